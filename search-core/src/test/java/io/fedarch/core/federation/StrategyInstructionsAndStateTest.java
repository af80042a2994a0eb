package io.fedarch.core.federation;

import static io.fedarch.core.federation.EngineFixtures.SETTINGS;
import static io.fedarch.core.federation.EngineFixtures.T0;
import static io.fedarch.core.federation.EngineFixtures.answer;
import static io.fedarch.core.federation.EngineFixtures.assertAccepted;
import static io.fedarch.core.federation.EngineFixtures.assertAllValues;
import static io.fedarch.core.federation.EngineFixtures.assertBitForBit;
import static io.fedarch.core.federation.EngineFixtures.assertSameState;
import static io.fedarch.core.federation.EngineFixtures.clients;
import static io.fedarch.core.federation.EngineFixtures.constant;
import static io.fedarch.core.federation.EngineFixtures.input;
import static io.fedarch.core.federation.EngineFixtures.kinds;
import static io.fedarch.core.federation.EngineFixtures.one;
import static io.fedarch.core.federation.EngineFixtures.spec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fedarch.core.strategy.Aggregated;
import io.fedarch.core.strategy.Aggregation;
import io.fedarch.core.strategy.ClientInstruction;
import io.fedarch.core.strategy.ClientResult;
import io.fedarch.core.algorithms.fedavg.FedAvg;
import io.fedarch.core.strategy.ServerState;
import io.fedarch.core.strategy.StrategyRegistry;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.events.ClientUpdate;
import io.fedarch.events.DType;
import io.fedarch.events.JobCheckpoint;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelState;
import io.fedarch.events.SearchStatus;
import io.fedarch.events.wire.EventCodec;

/**
 * Strategies in the engine: every client gets its own instruction (config and payload), and the
 * strategy's server state is kept across rounds, published, checkpointed and restored by the engine.
 */
class StrategyInstructionsAndStateTest {
    private final EngineFixtures.MutableClock clock = new EngineFixtures.MutableClock(T0);

    /** The checkpoint as a restarted coordinator reads it: through its wire form. */
    private static JobCheckpoint checkpoint(JobState job, java.time.Instant now) {
        return EventCodec.decode(EventCodec.encode(JobCheckpoints.of(job, now)), JobCheckpoint.class);
    }

    /** An update as it is read back from the update topic. */
    private static ClientUpdate reread(ClientUpdate update) {
        return EventCodec.decode(EventCodec.encode(update), ClientUpdate.class);
    }

    // ---- per-client instructions -------------------------------------------------------------------

    static final String PER_CLIENT = "testperclient";

    /**
     * Each client its own learning rate, (client + 1) / 100, and the round; odd clients also get a
     * payload. Records every list of results {@code aggregate} receives.
     */
    static final class PerClientInstructions extends EngineFixtures.TestAvg {
        final List<List<ClientResult>> aggregated = new ArrayList<>();

        @Override
        public String name() {
            return PER_CLIENT;
        }

        @Override
        public ClientInstruction instruct(JobSpec spec, int round, int clientId, ModelParameters global,
                                          ServerState state) {
            Map<String, String> config = Map.of("lr", Double.toString((clientId + 1) / 100.0),
                    "round", Integer.toString(round));
            return new ClientInstruction(clientId, config, clientId % 2 == 1 ? subnet(clientId, round) : null);
        }

        @Override
        public Aggregated aggregate(JobSpec spec, int round, ModelParameters global, ServerState state,
                                    List<ClientResult> results) {
            aggregated.add(List.copyOf(results));
            return super.aggregate(spec, round, global, state, results);
        }
    }

    /** An odd client's payload: one tensor "subnet" = [client, round, 1/3]. */
    private static ModelParameters subnet(int client, int round) {
        return new ModelParameters(List.of(
                new NamedTensor("subnet", new int[] {3}, new float[] {client, round, 1f / 3f})));
    }

    /** The instruction {@code client} must have in {@code round}, written out independently of the strategy. */
    private static void assertInstruction(int client, int round, Map<String, String> config, ModelParameters payload) {
        assertEquals(Map.of("lr", "0.0" + (client + 1), "round", Integer.toString(round)), config,
                "config of client " + client);
        if (client % 2 == 1) {
            assertNotNull(payload, "odd client " + client + " gets a payload");
            assertBitForBit(subnet(client, round), payload);
        } else {
            assertNull(payload, "even client " + client + " gets no payload");
        }
    }

    /** A task carries its own client's instruction; the payload travels at full precision. */
    private static void assertTask(Decision.TaskOrder task, int round) {
        ModelState payload = task.payload();
        if (payload != null) {
            payload.getTensors().forEach(t -> assertEquals(DType.FP32, t.getDtype()));
        }
        assertInstruction(task.clientId(), round, task.config(), payload == null ? null : TensorCodec.fromAvro(payload));
    }

    /** An update whose metrics carry a client-specific custom figure, so aggregate's view of them can be checked. */
    private static ClientUpdate withCustom(ClientUpdate update) {
        update.getMetrics().setCustom(Map.of("rareClassRecall", 0.25 * update.getClientId()));
        return update;
    }

    /** What aggregate got: each result with its client's instruction, its sample count and all its metrics. */
    private static void assertResults(List<Integer> clients, Map<Integer, ClientUpdate> updates, List<ClientResult> results) {
        assertEquals(clients, results.stream().map(ClientResult::clientId).toList(), "sorted by client id");
        for (ClientResult result : results) {
            int client = result.clientId();
            ClientUpdate update = updates.get(client);
            assertEquals(client, result.instruction().clientId());
            assertInstruction(client, 1, result.instruction().config(), result.instruction().payload());
            assertEquals(update.getSampleCount(), result.sampleCount());
            assertEquals(update.getMetrics(), result.metrics(), "the client's metrics, all of them");
            assertEquals(client + 1.0, result.metrics().getTrainLoss());
            assertEquals(10L * (client + 1), result.metrics().getComputeMs());
            assertEquals(Map.of("rareClassRecall", 0.25 * client), result.metrics().getCustom());
            assertBitForBit(TensorCodec.fromAvro(update.getModelState()), result.parameters());
        }
    }

    @Test
    void eachTaskCarriesItsOwnClientsInstructionAReplacementGetsItsOwnAndAggregateSeesThemWithTheMetrics() {
        PerClientInstructions strategy = new PerClientInstructions();
        FederationEngine engine = new FederationEngine(new StrategyRegistry(strategy), SETTINGS, clock);
        JobSpec spec = spec(Map.of("algorithm", PER_CLIENT, "rounds", 1, "totalClients", 4, "clientsPerRound", 3,
                "maxRoundAttempts", 2));
        FederationEngine.Started started = engine.submit("per-client", spec, null);
        JobState job = started.job();
        Decision.SendTasks attempt0 = one(started.decisions(), Decision.SendTasks.class);
        List<Integer> selected = clients(attempt0);
        assertEquals(strategy.selectClients(spec, 1), selected);
        assertEquals(3, selected.size());
        for (Decision.TaskOrder task : attempt0.tasks()) {
            assertTask(task, 1);
        }
        assertEquals(3, attempt0.tasks().stream().map(Decision.TaskOrder::config).distinct().count(),
                "three clients, three configs");
        assertEquals(selected, List.copyOf(job.openRound().instructions.keySet()));

        ClientUpdate u0 = withCustom(answer("per-client", attempt0, selected.get(0), constant(1f), 1));
        ClientUpdate u1 = withCustom(answer("per-client", attempt0, selected.get(1), constant(2f), 1));
        assertAccepted(engine.handle(job, input(u0)));
        assertAccepted(engine.handle(job, input(u1)));

        // The third client misses the deadline: the one client never asked replaces it, with its own instruction.
        int unasked = 0 + 1 + 2 + 3 - selected.stream().mapToInt(Integer::intValue).sum();
        clock.set(T0.plusSeconds(60));
        FederationEngine.Outcome retried = engine.handle(job, new Input.Tick(clock.instant()));
        assertEquals(List.of("RoundRetried", "SendTasks"), kinds(retried.decisions()));
        Decision.SendTasks attempt1 = one(retried.decisions(), Decision.SendTasks.class);
        assertEquals(List.of(unasked), clients(attempt1));
        assertTask(attempt1.tasks().get(0), 1);
        assertEquals(List.of(0, 1, 2, 3), List.copyOf(job.openRound().instructions.keySet()));
        assertInstruction(unasked, 1, job.openRound().instructions.get(unasked).config(),
                job.openRound().instructions.get(unasked).payload());
        JobCheckpoint saved = checkpoint(job, clock.instant());

        ClientUpdate u2 = withCustom(answer("per-client", attempt1, unasked, constant(4f), 2));
        FederationEngine.Outcome closed = engine.handle(job, input(u2));
        assertEquals(List.of("UpdateCounted", "PublishGlobal", "Complete"), kinds(closed.decisions()));
        Decision.PublishGlobal global = one(closed.decisions(), Decision.PublishGlobal.class);
        assertAllValues(2.75f, global.model()); // (1 + 2 + 4 * 2) / 4
        List<Integer> participants = new ArrayList<>(List.of(selected.get(0), selected.get(1), unasked));
        participants.sort(null);
        assertEquals(participants, global.participants());
        Map<Integer, ClientUpdate> updates = Map.of(selected.get(0), u0, selected.get(1), u1, unasked, u2);
        assertEquals(1, strategy.aggregated.size());
        assertResults(participants, updates, strategy.aggregated.get(0));

        // A restarted coordinator asks the strategy for the instructions again, the replacement's included.
        FederationEngine later = new FederationEngine(new StrategyRegistry(strategy), SETTINGS,
                new EngineFixtures.MutableClock(T0.plusSeconds(61)));
        JobState back = later.restore(saved, Map.of(selected.get(0), reread(u0), selected.get(1), reread(u1)),
                List.of(), null).job();
        assertEquals(List.of(0, 1, 2, 3), List.copyOf(back.openRound().instructions.keySet()));
        for (ClientInstruction instruction : back.openRound().instructions.values()) {
            assertInstruction(instruction.clientId(), 1, instruction.config(), instruction.payload());
        }
        FederationEngine.Outcome resumed = later.handle(back, input(reread(u2)));
        assertEquals(List.of("UpdateCounted", "PublishGlobal", "Complete"), kinds(resumed.decisions()));
        assertEquals(2, strategy.aggregated.size());
        assertResults(participants, updates, strategy.aggregated.get(1));
        assertBitForBit(job.global(), back.global());
    }

    @Test
    void aFedBuffTaskCarriesItsClientsInstructionForTheRoundAfterItsBaseVersion() {
        PerClientInstructions strategy = new PerClientInstructions();
        FederationEngine engine = new FederationEngine(new StrategyRegistry(strategy), SETTINGS, clock);
        JobSpec spec = spec(Map.of("algorithm", PER_CLIENT, "totalClients", 4, "clientsPerRound", 2, "rounds", 2,
                "asyncAggregation", Map.of("bufferSize", 2, "concurrency", 2)));
        FederationEngine.Started started = engine.submit("per-client-async", spec, null);
        JobState job = started.job();
        assertEquals(List.of("SendTasks", "SendTasks"), kinds(started.decisions()));
        Decision.SendTasks a = (Decision.SendTasks) started.decisions().get(0);
        Decision.SendTasks b = (Decision.SendTasks) started.decisions().get(1);
        assertTask(a.tasks().get(0), 1);
        assertTask(b.tasks().get(0), 1);

        Decision.SendTasks c = one(engine.handle(job, input(answer("per-client-async", a, clients(a).get(0),
                constant(1f), 10))).decisions(), Decision.SendTasks.class);
        assertEquals(0, c.modelVersion());
        assertTask(c.tasks().get(0), 1);
        FederationEngine.Outcome v1 = engine.handle(job, input(answer("per-client-async", b, clients(b).get(0),
                constant(1f), 10)));
        assertEquals(List.of("UpdateCounted", "PublishGlobal", "SendTasks"), kinds(v1.decisions()));
        Decision.SendTasks d = one(v1.decisions(), Decision.SendTasks.class);
        assertEquals(1, d.modelVersion());
        assertTask(d.tasks().get(0), 2);
    }

    // ---- server state ----------------------------------------------------------------------------

    static final String COUNTING = "testcounting";
    static final String NOTE = "counts per client";

    /**
     * Keeps, as server state, how often each client took part (tensor "participation", one float per
     * client), a factor that shrinks by 0.7 every aggregation (tensor "decay", from 1/3: not exact in
     * float) and the number of aggregations (value "aggregations"). Sends none of it to clients.
     */
    static class Counting extends EngineFixtures.TestAvg {
        @Override
        public String name() {
            return COUNTING;
        }

        @Override
        public ServerState initialState(JobSpec spec) {
            int clients = spec.getTotalClients();
            return new ServerState(new ModelParameters(List.of(
                    new NamedTensor("participation", new int[] {clients}, new float[clients]),
                    new NamedTensor("decay", new int[] {1}, new float[] {1f / 3f}))),
                    Map.of("aggregations", "0", "note", NOTE));
        }

        @Override
        public Aggregated aggregate(JobSpec spec, int round, ModelParameters global, ServerState state,
                                    List<ClientResult> results) {
            NamedTensor participation = state.tensor("participation");
            float[] counts = participation.values().clone();
            for (ClientResult result : results) {
                counts[result.clientId()] += 1f;
            }
            float[] decay = {state.tensor("decay").values()[0] * 0.7f};
            ServerState next = state.withTensors(List.of(
                            new NamedTensor("participation", participation.shape(), counts),
                            new NamedTensor("decay", new int[] {1}, decay)))
                    .withValue("aggregations", Integer.toString(Integer.parseInt(state.values().get("aggregations")) + 1));
            return new Aggregated(Aggregation.of(spec, global, results), next);
        }
    }

    /** {@link Counting} that sends each client its own count (and only that) as payload "myParticipation". */
    static final class SharingCounts extends Counting {
        @Override
        public String name() {
            return "testsharing";
        }

        @Override
        public ClientInstruction instruct(JobSpec spec, int round, int clientId, ModelParameters global,
                                          ServerState state) {
            float count = state.tensor("participation").values()[clientId];
            return new ClientInstruction(clientId, super.instruct(spec, round, clientId, global, state).config(),
                    new ModelParameters(List.of(new NamedTensor("myParticipation", new int[] {1}, new float[] {count}))));
        }
    }

    /** The state holds exactly these counts, this decay and this many aggregations. */
    private static void assertCounts(float[] counts, float decay, int aggregations, ServerState state) {
        assertEquals(List.of("participation", "decay"), state.tensors().names());
        assertArrayEquals(new int[] {counts.length}, state.tensor("participation").shape());
        assertArrayEquals(counts, state.tensor("participation").values());
        assertEquals(Float.floatToRawIntBits(decay), Float.floatToRawIntBits(state.tensor("decay").values()[0]),
                "decay " + decay + " vs " + state.tensor("decay").values()[0]);
        assertEquals(Map.of("aggregations", Integer.toString(aggregations), "note", NOTE), state.values());
    }

    /** No task of {@code send} carries any of the state: FedAvg's config, no payload. */
    private static void assertNoStateInTasks(Decision.SendTasks send) {
        for (Decision.TaskOrder task : send.tasks()) {
            assertEquals(Map.of(FedAvg.LEARNING_RATE, "0.05"), task.config(), "client " + task.clientId());
            assertNull(task.payload(), "client " + task.clientId());
        }
    }

    /** Every client of {@code send} answers with {@code value} everywhere and 5 samples; returns the last outcome. */
    private static FederationEngine.Outcome answerAll(FederationEngine engine, JobState job, Decision.SendTasks send,
                                                      float value) {
        FederationEngine.Outcome last = null;
        for (int client : clients(send)) {
            last = engine.handle(job, input(answer(job.jobId(), send, client, constant(value), 5)));
            assertAccepted(last);
        }
        return last;
    }

    @Test
    void theServerStateIsKeptAcrossRoundsPublishedAndRestoredBitForBitAndSentToNoClient() {
        Counting strategy = new Counting();
        FederationEngine engine = new FederationEngine(new StrategyRegistry(strategy), SETTINGS, clock);
        JobSpec spec = spec(Map.of("algorithm", COUNTING, "totalClients", 4, "clientsPerRound", 2, "rounds", 3));
        FederationEngine.Started started = engine.submit("counting", spec, null);
        JobState job = started.job();
        float[] counts = new float[4];
        float decay = 1f / 3f;
        assertCounts(counts, decay, 0, job.state());

        Decision.SendTasks round1 = one(started.decisions(), Decision.SendTasks.class);
        assertNoStateInTasks(round1);
        FederationEngine.Outcome closed1 = answerAll(engine, job, round1, 1f);
        assertEquals(List.of("UpdateCounted", "PublishGlobal", "SendTasks"), kinds(closed1.decisions()));
        for (int client : clients(round1)) {
            counts[client]++;
        }
        decay *= 0.7f;
        assertCounts(counts, decay, 1, one(closed1.decisions(), Decision.PublishGlobal.class).state());
        assertCounts(counts, decay, 1, job.state());
        Decision.SendTasks round2 = one(closed1.decisions(), Decision.SendTasks.class);
        assertNoStateInTasks(round2);

        // Mid round 2 the coordinator restarts: the state comes back from the checkpoint bit for bit.
        ClientUpdate first = answer("counting", round2, clients(round2).get(0), constant(2f), 5);
        assertAccepted(engine.handle(job, input(first)));
        job.nextCheckpointSequence();
        JobCheckpoint saved = checkpoint(job, clock.instant());
        assertNotNull(saved.getStrategyState());
        saved.getStrategyState().getTensors().getTensors().forEach(t -> assertEquals(DType.FP32, t.getDtype()));
        assertEquals(Map.of("aggregations", "1", "note", NOTE), new HashMap<>(saved.getStrategyState().getValues()));
        FederationEngine restarted = new FederationEngine(new StrategyRegistry(strategy), SETTINGS,
                new EngineFixtures.MutableClock(T0.plusSeconds(20)));
        FederationEngine.Restored restored = restarted.restore(saved, Map.of(clients(round2).get(0), reread(first)),
                List.of(), null);
        assertEquals(true, restored.running());
        JobState back = restored.job();
        assertSameState(job.state(), back.state());
        assertCounts(counts, decay, 1, back.state());

        // The uninterrupted job and the restored one close round 2 alike.
        ClientUpdate second = answer("counting", round2, clients(round2).get(1), constant(3f), 5);
        FederationEngine.Outcome closed2 = engine.handle(job, input(second));
        FederationEngine.Outcome resumed2 = restarted.handle(back, input(reread(second)));
        assertEquals(List.of("UpdateCounted", "PublishGlobal", "SendTasks"), kinds(closed2.decisions()));
        assertEquals(kinds(closed2.decisions()), kinds(resumed2.decisions()));
        for (int client : clients(round2)) {
            counts[client]++;
        }
        decay *= 0.7f;
        ServerState published2 = one(closed2.decisions(), Decision.PublishGlobal.class).state();
        assertCounts(counts, decay, 2, published2);
        assertSameState(published2, one(resumed2.decisions(), Decision.PublishGlobal.class).state());
        assertSameState(job.state(), back.state());
        Decision.SendTasks round3 = one(resumed2.decisions(), Decision.SendTasks.class);
        assertEquals(one(closed2.decisions(), Decision.SendTasks.class).tasks(), round3.tasks());
        assertNoStateInTasks(round3);

        FederationEngine.Outcome last = answerAll(restarted, back, round3, 4f);
        assertEquals(List.of("UpdateCounted", "PublishGlobal", "Complete"), kinds(last.decisions()));
        assertEquals(SearchStatus.SUCCEEDED, one(last.decisions(), Decision.Complete.class).status());
        for (int client : clients(round3)) {
            counts[client]++;
        }
        decay *= 0.7f;
        assertCounts(counts, decay, 3, one(last.decisions(), Decision.PublishGlobal.class).state());
        assertCounts(counts, decay, 3, back.state());
        assertEquals(6f, counts[0] + counts[1] + counts[2] + counts[3], "3 rounds of 2 clients");

        // A strategy without state checkpoints none.
        JobState plain = EngineFixtures.engine(clock).submit("plain", spec(Map.of()), null).job();
        assertNull(JobCheckpoints.of(plain, clock.instant()).getStrategyState());
    }

    @Test
    void aStrategyThatPutsPartOfItsStateInThePayloadSendsEachClientOnlyThatPart() {
        SharingCounts strategy = new SharingCounts();
        FederationEngine engine = new FederationEngine(new StrategyRegistry(strategy), SETTINGS, clock);
        JobSpec spec = spec(Map.of("algorithm", "testsharing", "totalClients", 4, "clientsPerRound", 2, "rounds", 2));
        FederationEngine.Started started = engine.submit("sharing", spec, null);
        JobState job = started.job();
        Decision.SendTasks round1 = one(started.decisions(), Decision.SendTasks.class);
        for (Decision.TaskOrder task : round1.tasks()) {
            ModelParameters payload = TensorCodec.fromAvro(task.payload());
            assertEquals(List.of("myParticipation"), payload.names(), "only the client's own count");
            assertArrayEquals(new float[] {0f}, payload.get("myParticipation").values());
        }
        Decision.SendTasks round2 = one(answerAll(engine, job, round1, 1f).decisions(), Decision.SendTasks.class);
        for (Decision.TaskOrder task : round2.tasks()) {
            float expected = clients(round1).contains(task.clientId()) ? 1f : 0f;
            ModelParameters payload = TensorCodec.fromAvro(task.payload());
            assertEquals(List.of("myParticipation"), payload.names());
            assertArrayEquals(new float[] {expected}, payload.get("myParticipation").values(),
                    "client " + task.clientId() + "'s count after round 1");
        }
    }

    @Test
    void aStrategyWithServerStateIsRefusedUnderFedBuffWhoseServerStepWouldNeverUpdateIt() {
        Counting strategy = new Counting();
        FederationEngine engine = new FederationEngine(new StrategyRegistry(strategy), SETTINGS, clock);
        JobSpec spec = spec(Map.of("algorithm", strategy.name(), "asyncAggregation", Map.of("bufferSize", 2)));
        InputRejectedException refused = org.junit.jupiter.api.Assertions.assertThrows(InputRejectedException.class,
                () -> engine.submit("stateful-async", spec, null));
        assertEquals("invalid job: asyncAggregation: " + strategy.name() + " keeps a server state that its "
                + "aggregation updates; FedBuff's server step does not run that aggregation", refused.getMessage());
    }
}
