package io.fedarch.core.federation;

import static io.fedarch.core.federation.EngineFixtures.OPS;
import static io.fedarch.core.federation.EngineFixtures.T0;
import static io.fedarch.core.federation.EngineFixtures.answer;
import static io.fedarch.core.federation.EngineFixtures.assertAccepted;
import static io.fedarch.core.federation.EngineFixtures.assertAllValues;
import static io.fedarch.core.federation.EngineFixtures.assertEveryTaskCarries;
import static io.fedarch.core.federation.EngineFixtures.assertNothing;
import static io.fedarch.core.federation.EngineFixtures.assertRejected;
import static io.fedarch.core.federation.EngineFixtures.clients;
import static io.fedarch.core.federation.EngineFixtures.constant;
import static io.fedarch.core.federation.EngineFixtures.input;
import static io.fedarch.core.federation.EngineFixtures.kinds;
import static io.fedarch.core.federation.EngineFixtures.maskState;
import static io.fedarch.core.federation.EngineFixtures.one;
import static io.fedarch.core.federation.EngineFixtures.pruningSpec;
import static io.fedarch.core.federation.EngineFixtures.snapshot;
import static io.fedarch.core.federation.EngineFixtures.spec;
import static io.fedarch.core.federation.EngineFixtures.stateMask;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fedarch.core.darts.OperationMask;
import io.fedarch.core.algorithms.fedavg.FedAvg;
import io.fedarch.core.algorithms.fedmetanas.FedMetaNas;
import io.fedarch.core.strategy.Personalization;
import io.fedarch.core.strategy.RoundPlan;
import io.fedarch.core.strategy.ServerState;
import io.fedarch.core.strategy.ServerStateCodec;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.events.ClientUpdate;
import io.fedarch.events.SearchStatus;

/** What surrounds the training rounds: the between-rounds wait, external pacing, the personalization stage. */
class FederationEngineStagesTest {
    private final EngineFixtures.MutableClock clock = new EngineFixtures.MutableClock(T0);
    private final FederationEngine engine = EngineFixtures.engine(clock);

    /** Column 1 (skip_connect) at {@code factor} on every edge of both cell types, the rest active. */
    private static OperationMask mask(List<String> ops, float factor) {
        float[] table = new float[14 * ops.size()];
        for (int i = 0; i < table.length; i++) {
            table[i] = i % ops.size() == 1 ? factor : 1f;
        }
        return new OperationMask(ops, table, table);
    }

    /** Every client of the send answers with all-0.5 values and 10 samples; returns the last outcome. */
    private FederationEngine.Outcome answerAll(JobState job, Decision.SendTasks send) {
        FederationEngine.Outcome last = null;
        for (int client : clients(send)) {
            last = engine.handle(job, input(answer(job.jobId(), send, client, constant(0.5f), 10)));
            assertAccepted(last);
        }
        return last;
    }

    // ---- between rounds ----------------------------------------------------------------------------

    @Test
    void afterARoundOfAPruningStrategyTheJobWaitsForItsMaskAndTheNextRoundCarriesIt() {
        FederationEngine.Started started = engine.submit("meta", pruningSpec(Map.of()), null);
        JobState job = started.job();
        Decision.SendTasks round1 = one(started.decisions(), Decision.SendTasks.class);
        OperationMask full = OperationMask.full(OPS);
        assertEveryTaskCarries(full, round1); // round 1 searches the whole space

        clock.advance(Duration.ofSeconds(3));
        FederationEngine.Outcome closed = answerAll(job, round1);
        assertEquals(List.of("UpdateCounted", "PublishGlobal"), kinds(closed.decisions()), "no round 2 before its mask");
        assertEquals(full, stateMask(one(closed.decisions(), Decision.PublishGlobal.class).state()));
        assertEquals(JobPhase.WAITING_FOR_BETWEEN_ROUNDS, job.phase());
        assertNull(job.openRound());
        assertEquals(T0.plusSeconds(3).plus(Duration.ofMinutes(2)), job.betweenRoundsDeadline);
        assertNothing(engine.handle(job, new Input.Tick(T0.plusSeconds(3).plus(Duration.ofMinutes(2)))));

        String before = snapshot(job);
        OperationMask pruned = mask(OPS, 0f);
        assertEquals("between-rounds result after round 2 of job meta is not awaited (job WAITING_FOR_BETWEEN_ROUNDS, "
                        + "1 rounds completed)",
                assertRejected(engine.handle(job, new Input.BetweenRoundsResult(2, maskState(pruned)))));
        assertEquals("between-rounds result after round 0 of job meta is not awaited (job WAITING_FOR_BETWEEN_ROUNDS, "
                        + "1 rounds completed)",
                assertRejected(engine.handle(job, new Input.BetweenRoundsResult(0, maskState(pruned)))));
        // The strategy checks the state: it must hold mask tables that fit the model's operations.
        String misfit = "between-rounds result after round 1 of job meta does not fit it: ";
        assertEquals(misfit + "the state has no mask tables 'mask.normal/.reduce'",
                assertRejected(engine.handle(job, new Input.BetweenRoundsResult(1, null))));
        assertEquals(misfit + "the state has no mask tables 'mask.normal/.reduce'",
                assertRejected(engine.handle(job, new Input.BetweenRoundsResult(1,
                        ServerStateCodec.toAvro(ServerState.EMPTY.withValue("threshold", "0.5"))))));
        assertEquals(misfit + "the mask is over operations [a,b,c,d], the job searches [none, skip_connect, max_pool_3x3]",
                assertRejected(engine.handle(job, new Input.BetweenRoundsResult(1,
                        maskState(mask(List.of("a", "b", "c", "d"), 0f))))));
        // Tables without the operations they are over: their shape must be the space's, 14 edges x 3 operations.
        ServerState unnamed = ServerState.EMPTY.withTensors(mask(List.of("a", "b", "c", "d"), 0f).toTensors(FedMetaNas.MASK));
        assertEquals(misfit + "mask table 'mask.normal' has shape [14, 4]; the space needs [14, 3] (edges x operations)",
                assertRejected(engine.handle(job, new Input.BetweenRoundsResult(1, ServerStateCodec.toAvro(unnamed)))));
        ServerState shortTable = FedMetaNas.withMask(ServerState.EMPTY, pruned).withTensors(List.of(
                new NamedTensor(FedMetaNas.MASK + ".normal", new int[] {3}, new float[] {1f, 0f, 1f})));
        assertTrue(assertRejected(engine.handle(job, new Input.BetweenRoundsResult(1, ServerStateCodec.toAvro(shortTable))))
                .startsWith(misfit + "mask table 'mask.normal' has shape [3]"));
        assertEquals(before, snapshot(job));

        clock.advance(Duration.ofSeconds(1));
        FederationEngine.Outcome next = engine.handle(job, new Input.BetweenRoundsResult(1, maskState(pruned)));
        assertAccepted(next);
        assertEquals(List.of("SendTasks"), kinds(next.decisions()));
        Decision.SendTasks round2 = one(next.decisions(), Decision.SendTasks.class);
        assertEquals(2, round2.round());
        assertEquals(1, round2.modelVersion());
        assertEveryTaskCarries(pruned, round2); // round 2 searches in the published mask
        assertEquals(T0.plusSeconds(4).plusSeconds(60), round2.deadline());
        assertEquals(JobPhase.ROUND_RUNNING, job.phase());
        assertEquals(pruned, stateMask(job.state()));
        assertNull(job.betweenRoundsDeadline);

        String running = snapshot(job);
        assertNothing(engine.handle(job, new Input.BetweenRoundsResult(1, maskState(pruned))));
        assertNothing(engine.handle(job, new Input.BetweenRoundsResult(1, maskState(full))));
        assertEquals(running, snapshot(job), "a copy of an applied mask changes nothing");
    }

    @Test
    void withoutAMaskWithinTheWaitTheNextRoundSearchesInTheCurrentMaskAndTheLastRoundWaitsForNone() {
        FederationEngine.Started started = engine.submit("late-mask", pruningSpec(Map.of()), null);
        JobState job = started.job();
        answerAll(job, one(started.decisions(), Decision.SendTasks.class));
        OperationMask pruned = mask(OPS, 0.5f);
        Decision.SendTasks round2 = one(engine.handle(job, new Input.BetweenRoundsResult(1, maskState(pruned))).decisions(),
                Decision.SendTasks.class);

        Instant closed2 = clock.advance(Duration.ofSeconds(10));
        answerAll(job, round2);
        assertEquals(JobPhase.WAITING_FOR_BETWEEN_ROUNDS, job.phase());
        Instant waitOver = closed2.plus(Duration.ofMinutes(2));
        assertNothing(engine.handle(job, new Input.Tick(waitOver)));
        FederationEngine.Outcome goOn = engine.handle(job, new Input.Tick(waitOver.plusMillis(1)));
        assertAccepted(goOn);
        Decision.SendTasks round3 = one(goOn.decisions(), Decision.SendTasks.class);
        assertEquals(List.of("SendTasks"), kinds(goOn.decisions()));
        assertEquals(3, round3.round());
        assertEveryTaskCarries(pruned, round3); // the search goes on in the mask it has
        assertEquals(waitOver.plusMillis(1).plusSeconds(60), round3.deadline());

        // The late mask after round 2 comes after the job went on without it: ignored.
        assertNothing(engine.handle(job, new Input.BetweenRoundsResult(2, maskState(mask(OPS, 0f)))));
        assertEquals(pruned, stateMask(job.state()));

        FederationEngine.Outcome last = answerAll(job, round3);
        assertEquals(List.of("UpdateCounted", "PublishGlobal", "Complete"), kinds(last.decisions()),
                "no wait for a mask after the last round");
        assertEquals(JobPhase.SUCCEEDED, job.phase());
        // The pruning service masks every round: the mask after the last one is expected, not refused.
        assertNothing(engine.handle(job, new Input.BetweenRoundsResult(3, maskState(mask(OPS, 0f)))));
    }

    @Test
    void aJobThatDoesNotPruneRefusesAMask() {
        JobState job = engine.submit("plain", spec(Map.of()), null).job();
        assertEquals("job plain (testavg) has no between-rounds step",
                assertRejected(engine.handle(job, new Input.BetweenRoundsResult(1, maskState(OperationMask.full(OPS))))));
    }

    @Test
    void anExternallyPacedPruningJobStartsARoundRequestedDuringTheWaitWhenItsMaskArrives() {
        JobState job = engine.submit("paced-meta", pruningSpec(Map.of("pacing", "EXTERNAL")), null).job();
        Decision.SendTasks round1 = one(engine.handle(job, new Input.RoundStartRequest("r1", 1)).decisions(),
                Decision.SendTasks.class);
        answerAll(job, round1);
        assertEquals(JobPhase.WAITING_FOR_BETWEEN_ROUNDS, job.phase());

        FederationEngine.Outcome early = engine.handle(job, new Input.RoundStartRequest("r2", 2));
        assertNull(early.rejection());
        assertEquals(List.of(), early.decisions());
        assertEquals(true, early.changed(), "the request is pending");
        assertEquals("job paced-meta is WAITING_FOR_BETWEEN_ROUNDS", engine.handle(job,
                new Input.RoundStartRequest("r2-again", 2)).rejection().getMessage());

        Decision.SendTasks round2 = one(engine.handle(job, new Input.BetweenRoundsResult(1, maskState(mask(OPS, 0f))))
                .decisions(), Decision.SendTasks.class);
        assertEquals(2, round2.round());
        assertEveryTaskCarries(mask(OPS, 0f), round2);

        // Without a pending request the mask only ends the wait: the job then waits for its round start.
        answerAll(job, round2);
        assertEquals(List.of(), engine.handle(job, new Input.BetweenRoundsResult(2, maskState(mask(OPS, 0f)))).decisions());
        assertEquals(JobPhase.WAITING_FOR_ROUND_START, job.phase());
        assertEquals(3, one(engine.handle(job, new Input.RoundStartRequest("r3", null)).decisions(),
                Decision.SendTasks.class).round());
    }

    // ---- external pacing ---------------------------------------------------------------------------

    @Test
    void anExternallyPacedJobWaitsForEachRoundStartRequestAndRecognisesRedeliveredOnes() {
        FederationEngine.Started started = engine.submit("paced", spec(Map.of("pacing", "EXTERNAL")), null);
        JobState job = started.job();
        assertEquals(List.of(), started.decisions(), "no round before a round-start request");
        assertEquals(JobPhase.WAITING_FOR_ROUND_START, job.phase());
        assertNothing(engine.handle(job, new Input.Tick(T0.plus(Duration.ofDays(1)))));

        FederationEngine.Outcome wrong = engine.handle(job, new Input.RoundStartRequest("wrong", 5));
        assertEquals("round 5 requested but job paced is at round 1", wrong.rejection().getMessage());
        assertEquals(List.of(), wrong.decisions());
        assertEquals(true, wrong.changed(), "a refused request is remembered, so the job is checkpointed");
        assertNothing(engine.handle(job, new Input.RoundStartRequest("wrong", 5)));
        assertEquals(JobPhase.WAITING_FOR_ROUND_START, job.phase());

        clock.advance(Duration.ofSeconds(7));
        FederationEngine.Outcome go = engine.handle(job, new Input.RoundStartRequest("go", 1));
        assertAccepted(go);
        Decision.SendTasks round1 = one(go.decisions(), Decision.SendTasks.class);
        assertEquals(List.of("SendTasks"), kinds(go.decisions()));
        assertEquals(1, round1.round());
        assertEquals(List.of(0, 1, 2), clients(round1));
        assertEquals(T0.plusSeconds(67), round1.deadline());
        assertNothing(engine.handle(job, new Input.RoundStartRequest("go", 1)));

        FederationEngine.Outcome busy = engine.handle(job, new Input.RoundStartRequest("too-early", null));
        assertEquals("job paced is ROUND_RUNNING (round 1)", busy.rejection().getMessage());
        assertEquals(true, busy.changed());

        FederationEngine.Outcome closed = answerAll(job, round1);
        assertEquals(List.of("UpdateCounted", "PublishGlobal"), kinds(closed.decisions()));
        assertEquals(JobPhase.WAITING_FOR_ROUND_START, job.phase());
        Decision.SendTasks round2 = one(engine.handle(job, new Input.RoundStartRequest("next", null)).decisions(),
                Decision.SendTasks.class);
        assertEquals(2, round2.round());
        assertEquals(1, round2.modelVersion());
    }

    @Test
    void anAutomaticallyPacedJobRefusesRoundStartRequests() {
        JobState job = engine.submit("auto", spec(Map.of()), null).job();
        FederationEngine.Outcome refused = engine.handle(job, new Input.RoundStartRequest("x", 2));
        assertEquals("job auto paces its own rounds (pacing AUTOMATIC)", refused.rejection().getMessage());
        assertEquals(true, refused.changed());
        assertNothing(engine.handle(job, new Input.RoundStartRequest("x", 2)));
    }

    // ---- personalization ---------------------------------------------------------------------------

    private static ClientUpdate adapted(String jobId, Decision.SendTasks stage, int client) {
        ClientUpdate update = answer(jobId, stage, client, constant(2f + client), 10);
        update.getMetrics().setCustom(Map.of(Personalization.LOCAL_TEST_ACCURACY, 0.9 - 0.1 * client,
                Personalization.LOCAL_TEST_LOSS, 0.3, Personalization.LOCAL_TEST_SAMPLES, 100.0 + client,
                Personalization.GLOBAL_LOCAL_TEST_ACCURACY, 0.5));
        return update;
    }

    /** A 1-round job of 2 of 3 clients with personalization; returns the personalization stage's tasks. */
    private Decision.SendTasks trainThenPersonalize(JobState job, Decision.SendTasks round1) {
        assertEquals(2, round1.tasks().size());
        engine.handle(job, input(answer(job.jobId(), round1, clients(round1).get(0), constant(1f), 10)));
        FederationEngine.Outcome closed = engine.handle(job,
                input(answer(job.jobId(), round1, clients(round1).get(1), constant(1f), 10)));
        assertEquals(List.of("UpdateCounted", "PublishGlobal", "SendTasks"), kinds(closed.decisions()));
        return one(closed.decisions(), Decision.SendTasks.class);
    }

    @Test
    void thePersonalizationStageAsksEveryClientAndPublishesEachAdaptedModelThenSucceeds() {
        FederationEngine.Started started = engine.submit("personal",
                spec(Map.of("rounds", 1, "clientsPerRound", 2, "personalizationEpochs", 2)), null);
        JobState job = started.job();
        Decision.SendTasks stage = trainThenPersonalize(job, one(started.decisions(), Decision.SendTasks.class));

        assertEquals(2, stage.round(), "the round after the last one");
        assertEquals(1, stage.modelVersion());
        assertEquals(List.of(0, 1, 2), clients(stage), "all clients, not only those of a round");
        for (Decision.TaskOrder task : stage.tasks()) {
            assertEquals(Map.of(RoundPlan.STAGE, RoundPlan.PERSONALIZE, FedAvg.LEARNING_RATE, "0.05"), task.config());
        }
        assertAllValues(1f, io.fedarch.core.tensor.TensorCodec.fromAvro(stage.model()));
        assertEquals(JobPhase.PERSONALIZING, job.phase());

        String before = snapshot(job);
        ClientUpdate bare = answer("personal", stage, 0, constant(2f), 10);
        assertEquals("personalization update of client 0 lacks its local test metrics (localTestAccuracy, "
                + "localTestLoss, localTestSamples)", assertRejected(engine.handle(job, input(bare))));
        assertEquals(before, snapshot(job));

        List<Decision> published = new ArrayList<>();
        for (int client = 0; client < 3; client++) {
            ClientUpdate update = adapted("personal", stage, client);
            FederationEngine.Outcome outcome = engine.handle(job, input(update));
            assertAccepted(outcome);
            assertEquals(new Decision.PublishPersonalized(2, update, 0.9 - 0.1 * client, 0.3, 100 + client),
                    outcome.decisions().get(0));
            published.addAll(outcome.decisions());
            if (client == 0) {
                assertEquals(List.of(new Decision.UpdateIgnored("duplicate")),
                        engine.handle(job, input(adapted("personal", stage, 0))).decisions());
            }
        }
        assertEquals(List.of("PublishPersonalized", "PublishPersonalized", "PublishPersonalized", "Complete"),
                kinds(published));
        assertEquals(new Decision.Complete(SearchStatus.SUCCEEDED, null), published.get(3));
        assertEquals(JobPhase.SUCCEEDED, job.phase());
        assertEquals(List.of(0, 1, 2), job.personalizedClients());
        assertEquals(1, job.completedRounds());
        assertAllValues(1f, job.global()); // the final model is the federated one, not any adaptation
        assertEquals(List.of(new Decision.UpdateIgnored("past round")),
                engine.handle(job, input(adapted("personal", stage, 2))).decisions());
    }

    @Test
    void atItsDeadlineThePersonalizationStageSucceedsWithTheClientsThatReported() {
        FederationEngine.Started started = engine.submit("personal-late",
                spec(Map.of("rounds", 1, "clientsPerRound", 2, "personalizationEpochs", 1)), null);
        JobState job = started.job();
        clock.advance(Duration.ofSeconds(2));
        Decision.SendTasks stage = trainThenPersonalize(job, one(started.decisions(), Decision.SendTasks.class));
        assertEquals(T0.plusSeconds(62), stage.deadline());
        engine.handle(job, input(adapted("personal-late", stage, 2)));
        engine.handle(job, input(adapted("personal-late", stage, 0)));

        assertNothing(engine.handle(job, new Input.Tick(T0.plusMillis(61_999))));
        FederationEngine.Outcome done = engine.handle(job, new Input.Tick(T0.plusSeconds(62)));
        assertAccepted(done);
        assertEquals(List.of(new Decision.Complete(SearchStatus.SUCCEEDED, null)), done.decisions(),
                "a missed personalization costs only those clients' models, never the job");
        assertEquals(JobPhase.SUCCEEDED, job.phase());
        assertEquals(List.of(0, 2), job.personalizedClients());
    }
}
