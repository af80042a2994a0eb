package io.fedarch.core.federation;

import static io.fedarch.core.federation.EngineFixtures.T0;
import static io.fedarch.core.federation.EngineFixtures.answer;
import static io.fedarch.core.federation.EngineFixtures.assertBitForBit;
import static io.fedarch.core.federation.EngineFixtures.constant;
import static io.fedarch.core.federation.EngineFixtures.initialModel;
import static io.fedarch.core.federation.EngineFixtures.input;
import static io.fedarch.core.federation.EngineFixtures.kinds;
import static io.fedarch.core.federation.EngineFixtures.one;
import static io.fedarch.core.federation.EngineFixtures.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.fedarch.core.strategy.StrategyRegistry;
import io.fedarch.events.AcceptedUpdate;
import io.fedarch.events.ClientUpdate;
import io.fedarch.events.JobCheckpoint;
import io.fedarch.events.JobSpec;
import io.fedarch.events.spec.JobSpecReader;
import io.fedarch.events.wire.EventCodec;

/**
 * What a round holds: a mean-based round keeps running sums (one model's worth of doubles) and each
 * update's weight and metrics, never the updates' models, so its memory does not grow with the number
 * of clients; a robust rule keeps every model and says so at submission. A coordinator restart
 * mid-round refolds the counted updates in the order they were counted and finishes the round bit for
 * bit as the uninterrupted one, counting nothing twice.
 */
class RoundMemoryTest {
    private static final int CLIENTS = 30;
    /** The fixture model's values; its sums are 8 bytes each. */
    private static final long MODEL_VALUES = initialModel().elementCount();

    private final EngineFixtures.MutableClock clock = new EngineFixtures.MutableClock(T0);

    private static Map<String, Object> wide(Map<String, Object> more) {
        Map<String, Object> overrides = new HashMap<>(Map.of("totalClients", CLIENTS, "clientsPerRound", CLIENTS));
        overrides.putAll(more);
        return overrides;
    }

    /** Values and weights whose mean is not exact in float, so any change of order or precision would show. */
    private static List<ClientUpdate> answers(String jobId, Decision.SendTasks round) {
        List<ClientUpdate> updates = new ArrayList<>();
        for (int client = 0; client < CLIENTS; client++) {
            updates.add(answer(jobId, round, client, constant(client * 0.1f + 1f / 3f), 3 + 7L * client));
        }
        Collections.shuffle(updates, new Random(19));
        return updates;
    }

    @Test
    void aMeanBasedRoundHoldsOneModelOfSumsWhateverTheNumberOfUpdates() {
        FederationEngine engine = EngineFixtures.engine(clock);
        FederationEngine.Started started = engine.submit("folded", spec(wide(Map.of())), null);
        JobState job = started.job();
        List<ClientUpdate> updates = answers("folded", one(started.decisions(), Decision.SendTasks.class));
        assertEquals(0, job.openRound().retainedModelBytes(), "nothing is held before the first update");
        List<Long> held = new ArrayList<>();
        for (ClientUpdate update : updates.subList(0, CLIENTS - 1)) {
            engine.handle(job, input(update));
            held.add(job.openRound().retainedModelBytes());
        }
        assertEquals(Collections.nCopies(CLIENTS - 1, 8 * MODEL_VALUES), held,
                "the round's sums, the same after 1 update as after " + (CLIENTS - 1));
        for (ReceivedUpdate kept : job.openRound().updates().values()) {
            assertNull(kept.result().parameters(), "a folded update keeps its weight and metrics, not its model");
        }
    }

    @Test
    void aRobustRuleHoldsEveryModelUntilTheRoundCloses() {
        FederationEngine engine = EngineFixtures.engine(clock);
        FederationEngine.Started started = engine.submit("median",
                spec(wide(Map.of("robustAggregation", Map.of("rule", "COORDINATE_MEDIAN")))), null);
        JobState job = started.job();
        List<ClientUpdate> updates = answers("median", one(started.decisions(), Decision.SendTasks.class));
        for (int k = 1; k < CLIENTS; k++) {
            engine.handle(job, input(updates.get(k - 1)));
            assertEquals(4 * MODEL_VALUES * k, job.openRound().retainedModelBytes(), "after " + k + " updates");
        }
    }

    @Test
    void aRestartMidRoundRefoldsTheCountedUpdatesAndFinishesBitForBitCountingNothingTwice() {
        FederationEngine uninterrupted = EngineFixtures.engine(clock);
        FederationEngine.Started started = uninterrupted.submit("restart", spec(wide(Map.of())), null);
        List<ClientUpdate> updates = answers("restart", one(started.decisions(), Decision.SendTasks.class));
        FederationEngine.Outcome last = null;
        for (ClientUpdate update : updates) {
            last = uninterrupted.handle(started.job(), input(update));
        }
        Decision.PublishGlobal expected = one(last.decisions(), Decision.PublishGlobal.class);

        FederationEngine first = EngineFixtures.engine(clock);
        JobState job = first.submit("restart", spec(wide(Map.of())), null).job();
        int counted = 17;
        updates.subList(0, counted).forEach(update -> first.handle(job, input(update)));
        job.nextCheckpointSequence();
        JobCheckpoint saved = EventCodec.decode(EventCodec.encode(JobCheckpoints.of(job, clock.instant())),
                JobCheckpoint.class);
        List<Integer> recorded = saved.getOpenRound().getAccepted().stream().map(AcceptedUpdate::getClientId).toList();
        assertEquals(updates.subList(0, counted).stream().map(ClientUpdate::getClientId).toList(), recorded,
                "the checkpoint records the counted updates in the order they were folded");

        Map<Integer, ClientUpdate> onTheTopic = new LinkedHashMap<>();
        updates.forEach(u -> onTheTopic.put(u.getClientId(), EventCodec.decode(EventCodec.encode(u), ClientUpdate.class)));
        List<Integer> read = new ArrayList<>();
        FederationEngine restarted = EngineFixtures.engine(new EngineFixtures.MutableClock(T0.plusSeconds(5)));
        JobState back = restarted.restore(saved, place -> {
            read.add(place.getClientId());
            return onTheTopic.get(place.getClientId());
        }, List.of(), null).job();
        assertEquals(recorded, read, "read back one at a time, in the recorded order");
        assertEquals(8 * MODEL_VALUES, back.openRound().retainedModelBytes(), "the sums, not 17 models");
        assertEquals(counted, back.openRound().updates().size());

        // Redelivered copies of counted updates (the restart re-reads its inputs) change nothing.
        for (ClientUpdate copy : updates.subList(counted - 3, counted)) {
            FederationEngine.Outcome outcome = restarted.handle(back, input(copy));
            assertEquals(List.of("UpdateIgnored"), kinds(outcome.decisions()));
        }
        FederationEngine.Outcome closing = null;
        for (ClientUpdate update : updates.subList(counted, CLIENTS)) {
            closing = restarted.handle(back, input(update));
        }
        Decision.PublishGlobal resumed = one(closing.decisions(), Decision.PublishGlobal.class);
        assertEquals(CLIENTS, resumed.metrics().getClientsReported());
        assertEquals(expected.metrics().getSampleCount(), resumed.metrics().getSampleCount(), "each weight counted once");
        assertBitForBit(expected.model(), resumed.model());
    }

    @Test
    void aRobustRuleWhoseRoundWouldNotFitTheCoordinatorsBudgetIsRefusedAtSubmission() {
        JobLimits budget = new JobLimits(100_000, 1_000, 10_000, 100, 4_096, Duration.ofDays(7), 100, 1 << 20,
                100_000, 16L << 30, 64L << 20);
        FederationEngine engine = new FederationEngine(StrategyRegistry.builtIn(),
                new EngineSettings(Duration.ofMinutes(2), Duration.ofSeconds(30), 64 << 20, budget),
                Clock.fixed(Instant.parse("2026-12-01T00:00:00Z"), ZoneOffset.UTC));
        // The default CNN: 215,370 parameters, 0.86 MB at FP32; 100 of them are 82 MiB.
        Map<String, Object> job = new LinkedHashMap<>(Map.of("algorithm", "fedavg", "totalClients", 200,
                "clientsPerRound", 100, "rounds", 1));
        job.put("robustAggregation", Map.of("rule", "KRUM"));
        String refusal = assertThrows(InputRejectedException.class,
                () -> engine.validate(JobSpecReader.fromMap(job))).getMessage();
        assertTrue(refusal.contains("its robust rule KRUM needs every update of a round at once: 100 clients × 215370 "
                + "parameters at FP32 = 82.2 MiB held by the coordinator, above its budget 64.0 MiB "
                + "(fedarch.limits.coordinator-memory-bytes)"), refusal);
        job.remove("robustAggregation");
        JobSpec mean = JobSpecReader.fromMap(job);
        engine.validate(mean);
        job.put("clientsPerRound", 70);
        job.put("robustAggregation", Map.of("rule", "KRUM"));
        engine.validate(JobSpecReader.fromMap(job));
    }
}
