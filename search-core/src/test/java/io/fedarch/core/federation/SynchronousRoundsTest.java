package io.fedarch.core.federation;

import static io.fedarch.core.federation.EngineFixtures.T0;
import static io.fedarch.core.federation.EngineFixtures.answer;
import static io.fedarch.core.federation.EngineFixtures.assertAccepted;
import static io.fedarch.core.federation.EngineFixtures.assertAllValues;
import static io.fedarch.core.federation.EngineFixtures.assertBitForBit;
import static io.fedarch.core.federation.EngineFixtures.assertNothing;
import static io.fedarch.core.federation.EngineFixtures.assertRejected;
import static io.fedarch.core.federation.EngineFixtures.clients;
import static io.fedarch.core.federation.EngineFixtures.constant;
import static io.fedarch.core.federation.EngineFixtures.initialModel;
import static io.fedarch.core.federation.EngineFixtures.input;
import static io.fedarch.core.federation.EngineFixtures.kinds;
import static io.fedarch.core.federation.EngineFixtures.metrics;
import static io.fedarch.core.federation.EngineFixtures.one;
import static io.fedarch.core.federation.EngineFixtures.snapshot;
import static io.fedarch.core.federation.EngineFixtures.spec;
import static io.fedarch.core.federation.EngineFixtures.update;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.fedarch.core.strategy.Aggregated;
import io.fedarch.core.strategy.ClientResult;
import io.fedarch.core.algorithms.fedavg.FedAvg;
import io.fedarch.core.strategy.ServerState;
import io.fedarch.core.strategy.StrategyRegistry;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.events.ClientUpdate;
import io.fedarch.events.DType;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelState;
import io.fedarch.events.RoundMetrics;
import io.fedarch.events.SearchStatus;

/** Synchronous rounds: closing on the last update, at the deadline with a quorum, retries, and what is refused. */
class SynchronousRoundsTest {
    private final EngineFixtures.MutableClock clock = new EngineFixtures.MutableClock(T0);
    private final FederationEngine engine = EngineFixtures.engine(clock);

    private static String taskId(String job, int round, int attempt, int client) {
        return UUID.nameUUIDFromBytes((job + "/task/" + round + "/" + attempt + "/" + client)
                .getBytes(StandardCharsets.UTF_8)).toString();
    }

    @Test
    void aRoundClosesWhenEverySelectedClientReportedAndTheLastRoundCompletesTheJob() {
        FederationEngine.Started started = engine.submit("job-1", spec(Map.of()), null);
        JobState job = started.job();
        assertEquals(List.of("SendTasks"), kinds(started.decisions()));
        Decision.SendTasks round1 = one(started.decisions(), Decision.SendTasks.class);
        assertEquals(1, round1.round());
        assertEquals(0, round1.attempt());
        assertEquals(0, round1.modelVersion());
        assertEquals(T0.plusSeconds(60), round1.deadline());
        assertEquals(List.of(0, 1, 2), clients(round1), "3 of 3 clients: everyone");
        for (Decision.TaskOrder task : round1.tasks()) {
            assertEquals(taskId("job-1", 1, 0, task.clientId()), task.eventId(), "ids derive from job/kind/round/attempt/client");
            assertEquals(Map.of(FedAvg.LEARNING_RATE, "0.05"), task.config());
            assertNull(task.payload(), "FedAvg sends nothing besides the global model");
        }
        assertBitForBit(initialModel(), TensorCodec.fromAvro(round1.model()));
        assertEquals(JobPhase.ROUND_RUNNING, job.phase());

        clock.advance(Duration.ofSeconds(5));
        // Client values 1, 2, 4 with 1, 1, 2 samples: (1 + 2 + 8) / 4 = 2.75 (the unweighted mean would be 7/3).
        FederationEngine.Outcome first = engine.handle(job, input(answer("job-1", round1, 0, constant(1f), 1)));
        assertAccepted(first);
        assertEquals(List.of(new Decision.UpdateCounted(metrics(0))), first.decisions());
        assertEquals(1, job.openRound().updates().size());
        assertAccepted(engine.handle(job, input(answer("job-1", round1, 1, constant(2f), 1))));
        FederationEngine.Outcome last = engine.handle(job, input(answer("job-1", round1, 2, constant(4f), 2)));
        assertAccepted(last);
        assertEquals(List.of("UpdateCounted", "PublishGlobal", "SendTasks"), kinds(last.decisions()));

        Decision.PublishGlobal global = one(last.decisions(), Decision.PublishGlobal.class);
        assertEquals(1, global.round());
        assertEquals(1, global.modelVersion());
        assertEquals(List.of(0, 1, 2), global.participants());
        assertAllValues(2.75f, global.model());
        RoundMetrics m = global.metrics();
        assertEquals(3, m.getClientsSelected());
        assertEquals(3, m.getClientsReported());
        assertEquals(4, m.getSampleCount());
        assertEquals((1 * 1 + 1 * 2 + 2 * 3) / 4.0, m.getTrainLoss(), 1e-12, "train loss weighted by samples");
        assertEquals(5000, m.getRoundMs(), "from the tasks to the aggregate, on the engine's clock");
        assertEquals(20, m.getMeanClientComputeMs());
        assertEquals(30, m.getMaxClientComputeMs());
        assertEquals(300, m.getUpdateBytes());
        assertEquals(6.0, m.getCustom().get(RoundSummary.STEPS));
        assertEquals(10.0, m.getCustom().get(RoundSummary.COMPUTE_MS_PER_STEP));
        assertEquals(m, job.lastRoundMetrics());

        Decision.SendTasks round2 = one(last.decisions(), Decision.SendTasks.class);
        assertEquals(2, round2.round());
        assertEquals(1, round2.modelVersion());
        assertEquals(T0.plusSeconds(65), round2.deadline());
        assertEquals(List.of(0, 1, 2), clients(round2));
        assertEquals(taskId("job-1", 2, 0, 1), EngineFixtures.order(round2, 1).eventId());
        assertAllValues(2.75f, TensorCodec.fromAvro(round2.model()));
        assertEquals(1, job.completedRounds());
        assertEquals(1, job.modelVersion());
        assertEquals(2, job.openRound().round());

        engine.handle(job, input(answer("job-1", round2, 0, constant(5f), 1)));
        engine.handle(job, input(answer("job-1", round2, 1, constant(5f), 2)));
        FederationEngine.Outcome end = engine.handle(job, input(answer("job-1", round2, 2, constant(5f), 3)));
        assertEquals(List.of("UpdateCounted", "PublishGlobal", "Complete"), kinds(end.decisions()));
        assertEquals(new Decision.Complete(SearchStatus.SUCCEEDED, null), one(end.decisions(), Decision.Complete.class));
        assertEquals(2, one(end.decisions(), Decision.PublishGlobal.class).round());
        assertEquals(JobPhase.SUCCEEDED, job.phase());
        assertNull(job.openRound());
        assertEquals(2, job.completedRounds());
        assertAllValues(5f, job.global());
        assertEquals(List.of(), job.personalizedClients());
        assertNothing(engine.handle(job, new Input.Tick(T0.plus(Duration.ofDays(1)))));
    }

    @Test
    void theSameJobDrivenTwiceGivesTheSameTaskIdsAndAnotherJobOthers() {
        Decision.SendTasks a = one(engine.submit("same", spec(Map.of()), null).decisions(), Decision.SendTasks.class);
        Decision.SendTasks b = one(EngineFixtures.engine(new EngineFixtures.MutableClock(T0.plusSeconds(99)))
                .submit("same", spec(Map.of()), null).decisions(), Decision.SendTasks.class);
        Decision.SendTasks other = one(engine.submit("other", spec(Map.of()), null).decisions(), Decision.SendTasks.class);
        assertEquals(a.tasks(), b.tasks());
        assertNotEquals(a.tasks().get(0).eventId(), other.tasks().get(0).eventId());
    }

    @Test
    void atTheDeadlineARoundWithItsQuorumClosesWithTheClientsThatReported() {
        FederationEngine.Started started = engine.submit("quorum", spec(Map.of("rounds", 1, "quorum", 2)), null);
        JobState job = started.job();
        Decision.SendTasks round1 = one(started.decisions(), Decision.SendTasks.class);
        engine.handle(job, input(answer("quorum", round1, 0, constant(1f), 1)));
        engine.handle(job, input(answer("quorum", round1, 1, constant(4f), 3)));

        assertNothing(engine.handle(job, new Input.Tick(T0.plusMillis(59_999))));
        FederationEngine.Outcome closed = engine.handle(job, new Input.Tick(T0.plusSeconds(60)));
        assertAccepted(closed);
        assertEquals(List.of("PublishGlobal", "Complete"), kinds(closed.decisions()));
        Decision.PublishGlobal global = one(closed.decisions(), Decision.PublishGlobal.class);
        assertEquals(List.of(0, 1), global.participants());
        assertEquals(3, global.metrics().getClientsSelected());
        assertEquals(2, global.metrics().getClientsReported());
        assertAllValues((1f * 1 + 4f * 3) / 4, global.model()); // 3.25
        assertEquals(SearchStatus.SUCCEEDED, one(closed.decisions(), Decision.Complete.class).status());

        FederationEngine.Outcome straggler = engine.handle(job, input(answer("quorum", round1, 2, constant(9f), 1)));
        assertEquals(List.of(new Decision.UpdateIgnored("past round")), straggler.decisions());
        assertEquals(false, straggler.changed());
        assertNull(straggler.rejection());
    }

    @Test
    void aDeadlineWithoutQuorumRetriesTheMissingUpdateWithAClientNotYetAskedAndALateOriginalStillCounts() {
        JobSpec spec = spec(Map.of("rounds", 1, "totalClients", 4, "clientsPerRound", 3, "maxRoundAttempts", 3));
        FederationEngine.Started started = engine.submit("retry", spec, null);
        JobState job = started.job();
        Decision.SendTasks attempt0 = one(started.decisions(), Decision.SendTasks.class);
        List<Integer> selected = clients(attempt0);
        assertEquals(new FedAvg().configureRound(spec, 1, null, ServerState.EMPTY).clients(), selected, "FedAvg's seeded selection");
        int unasked = 0 + 1 + 2 + 3 - selected.stream().mapToInt(Integer::intValue).sum();
        engine.handle(job, input(answer("retry", attempt0, selected.get(0), constant(1f), 1)));
        engine.handle(job, input(answer("retry", attempt0, selected.get(1), constant(2f), 1)));

        clock.set(T0.plusSeconds(60));
        FederationEngine.Outcome retried = engine.handle(job, new Input.Tick(clock.instant()));
        assertAccepted(retried);
        assertEquals(List.of("RoundRetried", "SendTasks"), kinds(retried.decisions()));
        assertEquals(new Decision.RoundRetried(1, 1), retried.decisions().get(0));
        Decision.SendTasks attempt1 = one(retried.decisions(), Decision.SendTasks.class);
        assertEquals(1, attempt1.round());
        assertEquals(1, attempt1.attempt());
        assertEquals(0, attempt1.modelVersion());
        assertEquals(T0.plusSeconds(120), attempt1.deadline(), "a new deadline from the retry on");
        assertEquals(List.of(unasked), clients(attempt1), "one update missing, one client never asked");
        assertEquals(taskId("retry", 1, 1, unasked), attempt1.tasks().get(0).eventId());
        assertEquals(1, job.openRound().attempt());
        assertEquals(List.of(selected.get(0), selected.get(1)), List.copyOf(job.openRound().updates().keySet()),
                "the updates already counted stay counted");

        // The original third client answers its attempt-0 task late: it still counts and closes the round.
        clock.advance(Duration.ofSeconds(1));
        FederationEngine.Outcome late = engine.handle(job, input(answer("retry", attempt0, selected.get(2), constant(4f), 2)));
        assertEquals(List.of("UpdateCounted", "PublishGlobal", "Complete"), kinds(late.decisions()));
        Decision.PublishGlobal global = one(late.decisions(), Decision.PublishGlobal.class);
        assertEquals(selected, global.participants());
        assertAllValues(2.75f, global.model());
        assertEquals(3, global.metrics().getClientsSelected());
        // The replacement answers after the round closed: ignored.
        assertEquals(List.of(new Decision.UpdateIgnored("past round")),
                engine.handle(job, input(answer("retry", attempt1, unasked, constant(8f), 1))).decisions());
    }

    @Test
    void aReplacementClientsAnswerCountsInTheRetriedRound() {
        JobSpec spec = spec(Map.of("rounds", 1, "totalClients", 4, "clientsPerRound", 3, "quorum", 3));
        FederationEngine.Started started = engine.submit("replaced", spec, null);
        JobState job = started.job();
        Decision.SendTasks attempt0 = one(started.decisions(), Decision.SendTasks.class);
        List<Integer> selected = clients(attempt0);
        engine.handle(job, input(answer("replaced", attempt0, selected.get(0), constant(1f), 1)));
        engine.handle(job, input(answer("replaced", attempt0, selected.get(1), constant(1f), 1)));
        Decision.SendTasks attempt1 = one(engine.handle(job, new Input.Tick(T0.plusSeconds(60))).decisions(),
                Decision.SendTasks.class);
        int replacement = attempt1.tasks().get(0).clientId();
        FederationEngine.Outcome closed = engine.handle(job, input(answer("replaced", attempt1, replacement, constant(1f), 1)));
        List<Integer> expected = new ArrayList<>(List.of(selected.get(0), selected.get(1), replacement));
        expected.sort(null);
        assertEquals(expected, one(closed.decisions(), Decision.PublishGlobal.class).participants());
        assertEquals(JobPhase.SUCCEEDED, job.phase());
    }

    @Test
    void afterMaxRoundAttemptsWithoutQuorumTheJobFailsWithTheReason() {
        JobSpec spec = spec(Map.of("rounds", 1, "totalClients", 4, "clientsPerRound", 3, "maxRoundAttempts", 2));
        FederationEngine.Started started = engine.submit("abandoned", spec, null);
        JobState job = started.job();
        Decision.SendTasks attempt0 = one(started.decisions(), Decision.SendTasks.class);
        List<Integer> selected = clients(attempt0);
        int unasked = 6 - selected.stream().mapToInt(Integer::intValue).sum();
        engine.handle(job, input(answer("abandoned", attempt0, selected.get(0), constant(1f), 1)));

        Decision.SendTasks attempt1 = one(engine.handle(job, new Input.Tick(T0.plusSeconds(60))).decisions(),
                Decision.SendTasks.class);
        // Two updates missing, one unasked client: the other missing one is asked again.
        List<Integer> expected = new ArrayList<>(List.of(unasked, selected.get(1)));
        expected.sort(null);
        assertEquals(expected, clients(attempt1));

        assertNothing(engine.handle(job, new Input.Tick(T0.plusSeconds(119))));
        FederationEngine.Outcome failed = engine.handle(job, new Input.Tick(T0.plusSeconds(120)));
        assertAccepted(failed);
        String reason = "round 1: only 1 of 3 clients reported by the deadline (quorum 3) after 2 attempt(s) "
                + "(maxRoundAttempts 2)";
        assertEquals(List.of(new Decision.Complete(SearchStatus.FAILED, reason)), failed.decisions());
        assertEquals(JobPhase.FAILED, job.phase());
        assertEquals(reason, job.failureReason());
        assertNull(job.openRound());
    }

    @Test
    void aDuplicateUpdateAndAStragglerForAClosedRoundAreIgnoredAndChangeNothing() {
        FederationEngine.Started started = engine.submit("idem", spec(Map.of()), null);
        JobState job = started.job();
        Decision.SendTasks round1 = one(started.decisions(), Decision.SendTasks.class);
        ClientUpdate first = answer("idem", round1, 0, constant(3f), 2);
        assertAccepted(engine.handle(job, input(first)));
        String before = snapshot(job);

        FederationEngine.Outcome copy = engine.handle(job, input(first));
        assertEquals(List.of(new Decision.UpdateIgnored("duplicate")), copy.decisions());
        assertEquals(false, copy.changed());
        assertNull(copy.rejection());
        FederationEngine.Outcome second = engine.handle(job, input(answer("idem", round1, 0, constant(100f), 50)));
        assertEquals(List.of(new Decision.UpdateIgnored("duplicate")), second.decisions(), "one update per client and round");
        assertEquals(before, snapshot(job));

        engine.handle(job, input(answer("idem", round1, 1, constant(3f), 2)));
        engine.handle(job, input(answer("idem", round1, 2, constant(3f), 2)));
        assertEquals(2, job.openRound().round());
        assertAllValues(3f, job.global());
        String during2 = snapshot(job);
        FederationEngine.Outcome straggler = engine.handle(job, input(answer("idem", round1, 0, constant(100f), 50)));
        assertEquals(List.of(new Decision.UpdateIgnored("past round")), straggler.decisions());
        assertEquals(false, straggler.changed());
        assertNull(straggler.rejection());
        assertEquals(during2, snapshot(job));
    }

    @Test
    void updatesForARoundThatNeverWasFromAnUnselectedClientOrWithoutSamplesAreRejected() {
        JobSpec spec = spec(Map.of("totalClients", 4, "clientsPerRound", 3));
        FederationEngine.Started started = engine.submit("bad", spec, null);
        JobState job = started.job();
        Decision.SendTasks round1 = one(started.decisions(), Decision.SendTasks.class);
        List<Integer> selected = clients(round1);
        int unselected = 6 - selected.stream().mapToInt(Integer::intValue).sum();
        String before = snapshot(job);

        ClientUpdate future = answer("bad", round1, selected.get(0), constant(1f), 1);
        future.setRound(7);
        assertEquals("update for round 7 of job bad, but round 1 is open", assertRejected(engine.handle(job, input(future))));
        ClientUpdate next = answer("bad", round1, selected.get(0), constant(1f), 1);
        next.setRound(2);
        assertEquals("update for round 2 of job bad, but round 1 is open", assertRejected(engine.handle(job, input(next))));

        ClientUpdate stranger = update("bad", "no-task", 1, unselected, 0, 0, TensorCodec.toAvro(constant(1f), DType.FP32), 5);
        assertEquals("client " + unselected + " was not selected for round 1 of job bad",
                assertRejected(engine.handle(job, input(stranger))));

        ClientUpdate empty = answer("bad", round1, selected.get(0), constant(1f), 0);
        assertEquals("update of client " + selected.get(0) + " has sampleCount 0; it must be positive to weigh the average",
                assertRejected(engine.handle(job, input(empty))));
        assertEquals(before, snapshot(job), "a rejected update leaves the job as it was");
    }

    @Test
    void updatesWithNaNOrInfiniteValuesOrTheWrongShapeAreRejectedAndValidOnesStillCount() {
        FederationEngine.Started started = engine.submit("nan", spec(Map.of("rounds", 1)), null);
        JobState job = started.job();
        Decision.SendTasks round1 = one(started.decisions(), Decision.SendTasks.class);
        String before = snapshot(job);

        ModelParameters nan = new ModelParameters(List.of(initialModel().get("fc.weight"),
                new NamedTensor("fc.bias", new int[] {2}, new float[] {1f, Float.NaN})));
        assertEquals("update of client 0 has NaN or infinite values in 'fc.bias'",
                assertRejected(engine.handle(job, input(answer("nan", round1, 0, nan, 10)))));
        ModelParameters infinite = new ModelParameters(List.of(
                new NamedTensor("fc.weight", new int[] {2, 3}, new float[] {0, 0, Float.NEGATIVE_INFINITY, 0, 0, 0}),
                initialModel().get("fc.bias")));
        assertEquals("update of client 0 has NaN or infinite values in 'fc.weight'",
                assertRejected(engine.handle(job, input(answer("nan", round1, 0, infinite, 10)))));

        ModelParameters transposed = new ModelParameters(List.of(
                new NamedTensor("fc.weight", new int[] {3, 2}, new float[6]), initialModel().get("fc.bias")));
        assertEquals("update of client 1 does not fit the model of job nan: tensor 'fc.weight' has shape [3, 2], "
                + "expected [2, 3]", assertRejected(engine.handle(job, input(answer("nan", round1, 1, transposed, 10)))));
        ModelParameters partial = new ModelParameters(List.of(initialModel().get("fc.weight")));
        assertEquals("update of client 1 does not fit the model of job nan: expected 2 tensors but got 1",
                assertRejected(engine.handle(job, input(answer("nan", round1, 1, partial, 10)))));
        ModelState truncated = TensorCodec.toAvro(initialModel(), DType.FP32);
        truncated.getTensors().get(0).setData(ByteBuffer.allocate(20));
        ClientUpdate shortData = update("nan", EngineFixtures.order(round1, 2).eventId(), 1, 2, 0, 0, truncated, 10);
        assertEquals("update of client 2 does not fit the model of job nan: tensor 'fc.weight' has 20 bytes but "
                + "shape [2, 3] in FP32 needs 24", assertRejected(engine.handle(job, input(shortData))));
        assertEquals(before, snapshot(job));

        for (int client = 0; client < 3; client++) {
            engine.handle(job, input(answer("nan", round1, client, constant(2f), 4)));
        }
        assertEquals(JobPhase.SUCCEEDED, job.phase());
        assertAllValues(2f, job.global());
        assertEquals(3, job.lastRoundMetrics().getClientsReported());
    }

    @Test
    void anUpdateForARoundAFinishedJobNeverHadIsRejected() {
        FederationEngine.Started started = engine.submit("done", spec(Map.of("rounds", 1)), null);
        JobState job = started.job();
        Decision.SendTasks round1 = one(started.decisions(), Decision.SendTasks.class);
        for (int client = 0; client < 3; client++) {
            engine.handle(job, input(answer("done", round1, client, constant(1f), 1)));
        }
        ClientUpdate late = answer("done", round1, 0, constant(1f), 1);
        late.setRound(5);
        assertEquals("job done already SUCCEEDED; it has no round 5", assertRejected(engine.handle(job, input(late))));
    }

    @Test
    void aJobStartsFromItsOwnInitialModelAndAMisfitOneIsRefused() {
        ModelParameters sevens = constant(7f);
        Decision.SendTasks tasks = one(engine.submit("warm", spec(Map.of()), TensorCodec.toAvro(sevens, DType.FP32))
                .decisions(), Decision.SendTasks.class);
        assertAllValues(7f, TensorCodec.fromAvro(tasks.model()));

        ModelState misfit = TensorCodec.toAvro(new ModelParameters(List.of(initialModel().get("fc.bias"))), DType.FP32);
        InputRejectedException e = assertThrows(InputRejectedException.class,
                () -> engine.submit("misfit", spec(Map.of()), misfit));
        assertEquals("invalid job: its initial model does not fit the job's model: expected 2 tensors but got 1",
                e.getMessage());
    }

    @Test
    void aModelTooLargeForTheMessageLimitIsRefusedAtSubmissionWithTheReason() {
        // The spec's cnn holds 600 floats: 2,400 bytes at FP32, 1,200 at FP16; the limit leaves room for
        // the spec and 2,000 bytes of tensors, so only FP16 fits (JobLimits measures it without building it).
        JobSpec fp32 = spec(Map.of());
        int limit = EngineSettings.TASK_ENVELOPE_BYTES + JobLimits.specBytes(fp32) + 2_000;
        FederationEngine small = new FederationEngine(EngineFixtures.registry(),
                new EngineSettings(Duration.ofMinutes(2), Duration.ofSeconds(30), limit), clock);
        InputRejectedException refused = assertThrows(InputRejectedException.class, () -> small.submit("huge", fp32,
                null));
        assertTrue(refused.getMessage().contains("a task would carry about 0.3 MiB, above the 0.3 MiB message limit"),
                refused.getMessage());

        FederationEngine.Started halved = small.submit("fp16", spec(Map.of("tensorDType", "FP16")), null);
        assertEquals(DType.FP16, one(halved.decisions(), Decision.SendTasks.class).model().getTensors().get(0).getDtype());
        assertEquals(JobPhase.ROUND_RUNNING, halved.job().phase());
    }

    @Test
    void aKrumJobWhoseQuorumIsTooSmallForKrumIsRefusedAtSubmission() {
        // Krum needs at least 3 updates; 3 are selected but a round may close at the deadline with its quorum of 2.
        JobSpec spec = spec(Map.of("rounds", 1, "quorum", 2, "robustAggregation", Map.of("rule", "KRUM")));
        InputRejectedException refused = assertThrows(InputRejectedException.class,
                () -> engine.submit("krum", spec, null));
        org.junit.jupiter.api.Assertions.assertTrue(refused.getMessage().contains("Krum needs at least 3 updates"),
                refused.getMessage());
    }

    @Test
    void anAggregationThatFailsEndsTheJobWithTheReasonInsteadOfThrowingFromATick() {
        FederationEngine failing = new FederationEngine(new StrategyRegistry(new EngineFixtures.TestAvg() {
            @Override
            public Aggregated aggregate(JobSpec spec, int round, ModelParameters global, ServerState state,
                                        List<ClientResult> results) {
                throw new IllegalArgumentException("cannot aggregate " + results.size() + " updates");
            }
        }), EngineFixtures.SETTINGS, clock);
        JobSpec spec = spec(Map.of("rounds", 1, "quorum", 2));
        FederationEngine.Started started = failing.submit("broken", spec, null);
        JobState job = started.job();
        Decision.SendTasks round1 = one(started.decisions(), Decision.SendTasks.class);
        failing.handle(job, input(answer("broken", round1, 0, constant(1f), 1)));
        failing.handle(job, input(answer("broken", round1, 1, constant(2f), 1)));

        FederationEngine.Outcome outcome = failing.handle(job, new Input.Tick(T0.plusSeconds(60)));

        Decision.Complete complete = one(outcome.decisions(), Decision.Complete.class);
        assertEquals(SearchStatus.FAILED, complete.status());
        assertEquals("round 1 could not be aggregated from 2 update(s): cannot aggregate 2 updates", complete.reason());
        assertEquals(JobPhase.FAILED, job.phase());
        assertNothing(failing.handle(job, new Input.Tick(T0.plusSeconds(120))));
    }
}
