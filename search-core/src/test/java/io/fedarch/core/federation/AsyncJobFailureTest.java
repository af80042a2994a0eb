package io.fedarch.core.federation;

import static io.fedarch.core.federation.BufferedAsyncPacingTest.client;
import static io.fedarch.core.federation.BufferedAsyncPacingTest.trained;
import static io.fedarch.core.federation.EngineFixtures.T0;
import static io.fedarch.core.federation.EngineFixtures.answer;
import static io.fedarch.core.federation.EngineFixtures.assertAccepted;
import static io.fedarch.core.federation.EngineFixtures.assertRejected;
import static io.fedarch.core.federation.EngineFixtures.initialModel;
import static io.fedarch.core.federation.EngineFixtures.input;
import static io.fedarch.core.federation.EngineFixtures.kinds;
import static io.fedarch.core.federation.EngineFixtures.one;
import static io.fedarch.core.federation.EngineFixtures.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.events.JobSpec;
import io.fedarch.events.SearchStatus;

/**
 * A FedBuff job ends FAILED with a reason, rather than reissuing tasks forever, when its clients stop
 * delivering usable updates, or when its server step produces a model that is not finite (review M10).
 */
class AsyncJobFailureTest {
    private final EngineFixtures.MutableClock clock = new EngineFixtures.MutableClock(T0);
    private final FederationEngine engine = EngineFixtures.engine(clock);

    /** 3 clients, one training at a time, a version per update, 3 s deadlines. */
    private static JobSpec oneAtATime(int maxRoundAttempts) {
        return spec(Map.of("totalClients", 3, "clientsPerRound", 1, "rounds", 2, "roundDeadlineMs", 3000,
                "maxRoundAttempts", maxRoundAttempts, "asyncAggregation", Map.of("bufferSize", 1, "concurrency", 1)));
    }

    private static ModelParameters withNaN() {
        return new ModelParameters(List.of(initialModel().get("fc.weight"),
                new NamedTensor("fc.bias", new int[] {2}, new float[] {Float.NaN, 0f})));
    }

    @Test
    void aJobWhoseTasksMissMaxRoundAttemptsDeadlinesInARowWithNothingCountedFails() {
        FederationEngine.Started started = engine.submit("async-silent", oneAtATime(2), null);
        JobState job = started.job();
        Decision.SendTasks first = one(started.decisions(), Decision.SendTasks.class);

        // The first miss is reissued, as before.
        FederationEngine.Outcome reissued = engine.handle(job, new Input.Tick(T0.plusMillis(3001)));
        assertEquals(List.of("SendTasks", "TaskReissued"), kinds(reissued.decisions()));
        Decision.SendTasks second = one(reissued.decisions(), Decision.SendTasks.class);
        // Its client answers with NaN: refused, so nothing is counted in this deadline either.
        assertRejected(engine.handle(job, input(answer("async-silent", second, client(second), withNaN(), 10))));

        FederationEngine.Outcome failed = engine.handle(job, new Input.Tick(T0.plusMillis(6002)));
        assertAccepted(failed);
        assertEquals(List.of("Complete"), kinds(failed.decisions()), "no further task");
        Decision.Complete complete = one(failed.decisions(), Decision.Complete.class);
        assertEquals(SearchStatus.FAILED, complete.status());
        assertEquals("no update was counted in 2 consecutive task deadlines of 3000 ms (maxRoundAttempts 2; the "
                + "last one missed by client " + client(second) + "): the clients are unreachable or every update "
                + "they sent was refused", complete.reason());
        assertEquals(JobPhase.FAILED, job.phase());
        assertEquals(complete.reason(), job.failureReason());
        assertTrue(job.async.outstanding.isEmpty(), "no task is left outstanding");
        // The first task's late answer is past: ignored, not refused.
        assertEquals(List.of(new Decision.UpdateIgnored("past round")),
                engine.handle(job, input(trained("async-silent", first, 1f))).decisions());
        // Later ticks change nothing.
        assertEquals(List.of(), kinds(engine.handle(job, new Input.Tick(T0.plusSeconds(3600))).decisions()));
    }

    @Test
    void aMissedDeadlineDuringWhichAnotherUpdateWasCountedDoesNotCountTowardsFailure() {
        JobSpec spec = spec(Map.of("totalClients", 4, "clientsPerRound", 2, "rounds", 1, "roundDeadlineMs", 3000,
                "maxRoundAttempts", 1, "asyncAggregation", Map.of("bufferSize", 3, "concurrency", 2)));
        FederationEngine.Started started = engine.submit("async-straggler", spec, null);
        JobState job = started.job();
        Decision.SendTasks a = (Decision.SendTasks) started.decisions().get(0);

        // A answers at 1 s (counted); B is a straggler and misses its 3 s deadline: the job goes on.
        clock.advance(java.time.Duration.ofSeconds(1));
        FederationEngine.Outcome counted = engine.handle(job, input(trained("async-straggler", a, 1f)));
        assertEquals(List.of("UpdateCounted", "SendTasks"), kinds(counted.decisions()));
        FederationEngine.Outcome reissued = engine.handle(job, new Input.Tick(T0.plusMillis(3001)));
        assertEquals(List.of("SendTasks", "TaskReissued"), kinds(reissued.decisions()));
        assertEquals(JobPhase.ROUND_RUNNING, job.phase());

        // Then a whole deadline with nothing counted: with maxRoundAttempts 1 the job fails at once.
        FederationEngine.Outcome failed = engine.handle(job, new Input.Tick(T0.plusMillis(6002)));
        Decision.Complete complete = one(failed.decisions(), Decision.Complete.class);
        assertEquals(SearchStatus.FAILED, complete.status());
        assertTrue(complete.reason().startsWith("no update was counted in 1 consecutive task deadline"),
                complete.reason());
        assertEquals(List.of(), kinds(failed.decisions()).stream().filter("SendTasks"::equals).toList());
    }

    @Test
    void aServerStepThatOverflowsFailsTheJobNamingTheTensorInsteadOfPublishingInfinity() {
        // serverLearningRate 1e30 passes validation (finite, positive); times a diverged client's delta of
        // 1e9 it overflows the float cast.
        JobSpec spec = spec(Map.of("totalClients", 2, "clientsPerRound", 1, "rounds", 3,
                "asyncAggregation", Map.of("bufferSize", 1, "concurrency", 1, "serverLearningRate", 1e30)));
        FederationEngine.Started started = engine.submit("async-overflow", spec, null);
        JobState job = started.job();
        Decision.SendTasks task = one(started.decisions(), Decision.SendTasks.class);

        FederationEngine.Outcome outcome = engine.handle(job, input(trained("async-overflow", task, 1e9f)));
        assertEquals(List.of("UpdateCounted", "Complete"), kinds(outcome.decisions()),
                "no model is published and no task goes out");
        Decision.Complete complete = one(outcome.decisions(), Decision.Complete.class);
        assertEquals(SearchStatus.FAILED, complete.status());
        assertEquals("version 1: the aggregated global model has NaN or infinite values in 'fc.weight' "
                + "(asyncAggregation.serverLearningRate 1.0E30 may be too large)", complete.reason());
        assertEquals(0, job.modelVersion(), "the last finite model stays the job's model");
        assertEquals(null, job.global().firstNonFinite());
        assertTrue(job.async.outstanding.isEmpty());
    }
}
