package io.fedarch.core.federation;

import static io.fedarch.core.federation.EngineFixtures.T0;
import static io.fedarch.core.federation.EngineFixtures.answer;
import static io.fedarch.core.federation.EngineFixtures.assertAccepted;
import static io.fedarch.core.federation.EngineFixtures.assertBitForBit;
import static io.fedarch.core.federation.EngineFixtures.assertNothing;
import static io.fedarch.core.federation.EngineFixtures.assertRejected;
import static io.fedarch.core.federation.EngineFixtures.assertShifted;
import static io.fedarch.core.federation.EngineFixtures.initialModel;
import static io.fedarch.core.federation.EngineFixtures.input;
import static io.fedarch.core.federation.EngineFixtures.kinds;
import static io.fedarch.core.federation.EngineFixtures.one;
import static io.fedarch.core.federation.EngineFixtures.shifted;
import static io.fedarch.core.federation.EngineFixtures.snapshot;
import static io.fedarch.core.federation.EngineFixtures.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import io.fedarch.core.algorithms.fedavg.FedAvg;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.events.ClientUpdate;
import io.fedarch.events.JobSpec;
import io.fedarch.events.RoundMetrics;
import io.fedarch.events.SearchStatus;

/** FedBuff: tasks without rounds, a server version every bufferSize updates, staleness, reissued tasks. */
class BufferedAsyncPacingTest {
    private final EngineFixtures.MutableClock clock = new EngineFixtures.MutableClock(T0);
    private final FederationEngine engine = EngineFixtures.engine(clock);

    /** 4 clients, 2 training at once, a version every 2 updates, weight 1/(1+s), updates staler than 1 dropped. */
    static JobSpec fedBuffSpec() {
        return spec(Map.of("totalClients", 4, "clientsPerRound", 2, "rounds", 4,
                "asyncAggregation", Map.of("bufferSize", 2, "concurrency", 2, "stalenessExponent", 1.0,
                        "serverLearningRate", 1.0, "maxStaleness", 1)));
    }

    /** The one task of an async SendTasks. */
    static Decision.TaskOrder task(Decision.SendTasks send) {
        assertEquals(1, send.tasks().size(), "async tasks go out one at a time");
        assertEquals(0, send.attempt());
        assertNull(send.tasks().get(0).payload());
        return send.tasks().get(0);
    }

    static int client(Decision.SendTasks send) {
        return task(send).clientId();
    }

    /** The task's model plus {@code delta} everywhere, 10 samples. */
    static ClientUpdate trained(String jobId, Decision.SendTasks send, float delta) {
        return answer(jobId, send, client(send), shifted(TensorCodec.fromAvro(send.model()), delta), 10);
    }

    /** The task a decision list issued: exactly one, on {@code version}, to a client other than those still busy. */
    private static Decision.SendTasks issued(JobState job, List<Decision> decisions, int version, int sequence,
                                             Set<Integer> busy) {
        Decision.SendTasks send = one(decisions, Decision.SendTasks.class);
        int client = client(send);
        assertTrue(!busy.contains(client), "client " + client + " already has a task");
        assertEquals(version, send.modelVersion(), "a task carries the current version");
        assertEquals(version + 1, send.round(), "round = base version + 1");
        assertEquals(EventIds.of(job.jobId(), "async-task", version + 1, sequence, client), task(send).eventId());
        assertEquals(Map.of(FedAvg.LEARNING_RATE, "0.05"), task(send).config());
        return send;
    }

    @Test
    void buffersKUpdatesWeighsThemByStalenessAndDropsTooStaleOnes() {
        String id = "fedbuff";
        FederationEngine.Started started = engine.submit(id, fedBuffSpec(), null);
        JobState job = started.job();
        assertEquals(List.of("SendTasks", "SendTasks"), kinds(started.decisions()), "concurrency 2: two tasks at once");
        Decision.SendTasks a = (Decision.SendTasks) started.decisions().get(0);
        Decision.SendTasks b = (Decision.SendTasks) started.decisions().get(1);
        assertNotEquals(client(a), client(b), "one task per client");
        assertEquals(EventIds.of(id, "async-task", 1, 0, client(a)), task(a).eventId());
        assertEquals(EventIds.of(id, "async-task", 1, 1, client(b)), task(b).eventId());
        assertEquals(0, a.modelVersion());
        assertEquals(T0.plusSeconds(60), a.deadline());
        assertBitForBit(initialModel(), TensorCodec.fromAvro(a.model()));
        assertEquals(Set.of(client(a), client(b)), job.async.outstanding.keySet());
        assertEquals(JobPhase.ROUND_RUNNING, job.phase());

        // A answers (delta 1): buffered, and at once a new task goes to an idle client, still on version 0.
        ClientUpdate fromA = trained(id, a, 1f);
        FederationEngine.Outcome first = engine.handle(job, input(fromA));
        assertAccepted(first);
        assertEquals(List.of("UpdateCounted", "SendTasks"), kinds(first.decisions()));
        assertEquals(new Decision.UpdateCounted(fromA.getMetrics()), first.decisions().get(0));
        Decision.SendTasks c = issued(job, first.decisions(), 0, 2, Set.of(client(b)));
        // A copy of A's update changes nothing.
        FederationEngine.Outcome copy = engine.handle(job, input(fromA));
        assertEquals(List.of(new Decision.UpdateIgnored("closed async task")), copy.decisions());
        assertEquals(false, copy.changed());
        assertNull(copy.rejection());

        // C answers (delta 3): 2 fresh updates -> version 1 = initial + (1/2)(1 + 3) = initial + 2.
        clock.advance(Duration.ofSeconds(4));
        FederationEngine.Outcome v1Outcome = engine.handle(job, input(trained(id, c, 3f)));
        assertEquals(List.of("UpdateCounted", "PublishGlobal", "SendTasks"), kinds(v1Outcome.decisions()));
        Decision.PublishGlobal v1 = one(v1Outcome.decisions(), Decision.PublishGlobal.class);
        assertEquals(1, v1.round());
        assertEquals(1, v1.modelVersion());
        assertEquals(List.of(client(a), client(c)), v1.participants(), "in arrival order");
        assertTrue(v1.state().isEmpty(), "TestAvg keeps no server state");
        assertShifted(v1.model(), 2f);
        RoundMetrics m1 = v1.metrics();
        assertEquals(2, m1.getClientsSelected());
        assertEquals(2, m1.getClientsReported());
        assertEquals(20, m1.getSampleCount());
        assertEquals(4000, m1.getRoundMs(), "from the previous version to this one");
        assertEquals(0.0, m1.getCustom().get(BufferedAsyncPacing.MEAN_STALENESS));
        assertEquals(0.0, m1.getCustom().get(BufferedAsyncPacing.MAX_STALENESS));
        assertEquals(0.0, m1.getCustom().get(BufferedAsyncPacing.DROPPED_STALE));
        assertEquals(1, job.modelVersion());
        assertEquals(1, job.completedRounds());
        Decision.SendTasks d = issued(job, v1Outcome.decisions(), 1, 3, Set.of(client(b)));
        assertBitForBit(v1.model(), TensorCodec.fromAvro(d.model()));

        // B started from version 0 and answers now (delta 4): staleness 1, weight 1/2.
        FederationEngine.Outcome stale = engine.handle(job, input(trained(id, b, 4f)));
        assertEquals(List.of("UpdateCounted", "SendTasks"), kinds(stale.decisions()));
        Decision.SendTasks e = issued(job, stale.decisions(), 1, 4, Set.of(client(d)));
        // D is fresh (delta 2): version 2 = version 1 + (1/2)(4/2 + 2) = initial + 4.
        FederationEngine.Outcome v2Outcome = engine.handle(job, input(trained(id, d, 2f)));
        Decision.PublishGlobal v2 = one(v2Outcome.decisions(), Decision.PublishGlobal.class);
        assertEquals(2, v2.round());
        assertEquals(List.of(client(b), client(d)), v2.participants());
        assertShifted(v2.model(), 4f);
        assertEquals(0.5, v2.metrics().getCustom().get(BufferedAsyncPacing.MEAN_STALENESS));
        assertEquals(1.0, v2.metrics().getCustom().get(BufferedAsyncPacing.MAX_STALENESS));
        Decision.SendTasks f = issued(job, v2Outcome.decisions(), 2, 5, Set.of(client(e)));

        // F and its successor G (both fresh, delta 2) make version 3 = initial + 6.
        Decision.SendTasks g = issued(job, engine.handle(job, input(trained(id, f, 2f))).decisions(), 2, 6,
                Set.of(client(e)));
        FederationEngine.Outcome v3Outcome = engine.handle(job, input(trained(id, g, 2f)));
        assertShifted(one(v3Outcome.decisions(), Decision.PublishGlobal.class).model(), 6f);
        Decision.SendTasks h = issued(job, v3Outcome.decisions(), 3, 7, Set.of(client(e)));

        // E started from version 1; at version 3 its staleness 2 exceeds maxStaleness 1: dropped, yet its client is replaced.
        FederationEngine.Outcome dropped = engine.handle(job, input(trained(id, e, 100f)));
        assertAccepted(dropped);
        assertEquals(List.of("UpdateIgnored", "SendTasks"), kinds(dropped.decisions()));
        assertEquals(new Decision.UpdateIgnored("too stale"), dropped.decisions().get(0));
        assertEquals(1, job.async.droppedStale);
        assertEquals(0, job.async.buffer.size());
        Decision.SendTasks i = issued(job, dropped.decisions(), 3, 8, Set.of(client(h)));

        // Updates for tasks the job never gave, without samples or with NaN are refused and change nothing.
        String before = snapshot(job);
        ClientUpdate forged = trained(id, h, 1f);
        forged.setTaskEventId("no-such-task");
        assertEquals("update of client " + client(h) + " answers task no-such-task, which job fedbuff never gave it "
                + "(its outstanding task is " + task(h).eventId() + ")", assertRejected(engine.handle(job, input(forged))));
        int idle = 0;
        while (job.async.outstanding.containsKey(idle)) {
            idle++;
        }
        ClientUpdate unasked = EngineFixtures.update(id, "invented", 4, idle, 0, 3,
                TensorCodec.toAvro(initialModel(), io.fedarch.events.DType.FP32), 10);
        assertEquals("update of client " + idle + " answers task invented, which job fedbuff never gave it "
                + "(the client has no outstanding task)", assertRejected(engine.handle(job, input(unasked))));
        ClientUpdate empty = answer(id, h, client(h), initialModel(), 0);
        assertEquals("update of client " + client(h) + " has sampleCount 0; it must be positive",
                assertRejected(engine.handle(job, input(empty))));
        ModelParameters nan = new ModelParameters(List.of(initialModel().get("fc.weight"),
                new NamedTensor("fc.bias", new int[] {2}, new float[] {Float.NaN, 0f})));
        assertEquals("update of client " + client(h) + " has NaN or infinite values in 'fc.bias'",
                assertRejected(engine.handle(job, input(answer(id, h, client(h), nan, 10)))));
        assertEquals(before, snapshot(job));

        Decision.SendTasks j = issued(job, engine.handle(job, input(trained(id, h, 2f))).decisions(), 3, 9,
                Set.of(client(i)));
        FederationEngine.Outcome last = engine.handle(job, input(trained(id, i, 2f)));
        assertEquals(List.of("UpdateCounted", "PublishGlobal", "Complete"), kinds(last.decisions()),
                "no task after the last version");
        Decision.PublishGlobal v4 = one(last.decisions(), Decision.PublishGlobal.class);
        assertEquals(4, v4.round());
        assertShifted(v4.model(), 8f);
        assertEquals(1.0, v4.metrics().getCustom().get(BufferedAsyncPacing.DROPPED_STALE), "E's update was dropped");
        assertEquals(new Decision.Complete(SearchStatus.SUCCEEDED, null), last.decisions().get(2));
        assertEquals(JobPhase.SUCCEEDED, job.phase());
        assertEquals(4, job.completedRounds());
        assertTrue(job.async.outstanding.isEmpty(), "outstanding tasks are abandoned");
        // The abandoned task's late update is a past round's.
        assertEquals(List.of(new Decision.UpdateIgnored("past round")),
                engine.handle(job, input(trained(id, j, 2f))).decisions());
    }

    @Test
    void aTaskPastItsDeadlineIsReissuedToAnotherClientAndItsLateUpdateIgnored() {
        String id = "fedbuff-deadline";
        JobSpec spec = spec(Map.of("totalClients", 3, "clientsPerRound", 1, "rounds", 1, "roundDeadlineMs", 3000,
                "asyncAggregation", Map.of("bufferSize", 1, "concurrency", 1)));
        FederationEngine.Started started = engine.submit(id, spec, null);
        JobState job = started.job();
        Decision.SendTasks lost = one(started.decisions(), Decision.SendTasks.class);
        assertEquals(T0.plusMillis(3000), lost.deadline());

        assertNothing(engine.handle(job, new Input.Tick(T0.plusMillis(3000))));
        FederationEngine.Outcome reissue = engine.handle(job, new Input.Tick(T0.plusMillis(3001)));
        assertAccepted(reissue);
        assertEquals(List.of("SendTasks", "TaskReissued"), kinds(reissue.decisions()));
        Decision.SendTasks again = issued(job, reissue.decisions(), 0, 1, Set.of());
        assertNotEquals(client(lost), client(again), "reissued to another client");
        assertEquals(new Decision.TaskReissued(client(lost), client(again)), reissue.decisions().get(1));
        assertEquals(T0.plusMillis(6001), again.deadline());
        assertEquals(Set.of(client(again)), job.async.outstanding.keySet());

        FederationEngine.Outcome late = engine.handle(job, input(trained(id, lost, 5f)));
        assertEquals(List.of(new Decision.UpdateIgnored("closed async task")), late.decisions());
        assertEquals(false, late.changed());

        FederationEngine.Outcome done = engine.handle(job, input(trained(id, again, 1f)));
        assertEquals(List.of("UpdateCounted", "PublishGlobal", "Complete"), kinds(done.decisions()));
        assertShifted(one(done.decisions(), Decision.PublishGlobal.class).model(), 1f);
        assertEquals(SearchStatus.SUCCEEDED, one(done.decisions(), Decision.Complete.class).status());
    }

    @Test
    void aRobustRuleIsRefusedBecauseFedBuffsServerStepWouldIgnoreIt() {
        JobSpec spec = spec(Map.of("asyncAggregation", Map.of("bufferSize", 2),
                "robustAggregation", Map.of("rule", "COORDINATE_MEDIAN")));
        InputRejectedException refused = org.junit.jupiter.api.Assertions.assertThrows(InputRejectedException.class,
                () -> engine.submit("robust-async", spec, null));
        assertEquals("invalid job: asyncAggregation: robustAggregation COORDINATE_MEDIAN is not applied by FedBuff's "
                + "server step; use synchronous rounds or rule MEAN", refused.getMessage());
    }

    @Test
    void withConcurrencyZeroClientsPerRoundTrainAtOnce() {
        JobSpec spec = spec(Map.of("totalClients", 5, "clientsPerRound", 3, "asyncAggregation", Map.of()));
        FederationEngine.Started started = engine.submit("fedbuff-default", spec, null);
        assertEquals(List.of("SendTasks", "SendTasks", "SendTasks"), kinds(started.decisions()));
        Set<Integer> clients = new HashSet<>();
        started.decisions().forEach(d -> clients.add(client((Decision.SendTasks) d)));
        assertEquals(3, clients.size());
    }

    @Test
    void aFedBuffJobWhoseBaseModelsOverflowTheCheckpointIsRefusedAtSubmission() {
        // Its checkpoint keeps one FP32 base model per concurrent task (2) beside the global model: the
        // spec's 600-float cnn needs ~20 KB without them, ~25 KB with them, and the limit is 22 KB.
        FederationEngine small = new FederationEngine(EngineFixtures.registry(),
                new EngineSettings(Duration.ofMinutes(2), Duration.ofSeconds(30), 22_000), clock);
        InputRejectedException refused = assertThrows(InputRejectedException.class,
                () -> small.submit("fedbuff-huge", fedBuffSpec(), null));
        assertTrue(refused.getMessage().contains("× 3 models under FedBuff"), refused.getMessage());
    }
}
