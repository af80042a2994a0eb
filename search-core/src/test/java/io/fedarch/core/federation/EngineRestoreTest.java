package io.fedarch.core.federation;

import static io.fedarch.core.federation.EngineFixtures.T0;
import static io.fedarch.core.federation.EngineFixtures.answer;
import static io.fedarch.core.federation.EngineFixtures.assertAccepted;
import static io.fedarch.core.federation.EngineFixtures.assertBitForBit;
import static io.fedarch.core.federation.EngineFixtures.assertNothing;
import static io.fedarch.core.federation.EngineFixtures.assertSameState;
import static io.fedarch.core.federation.EngineFixtures.constant;
import static io.fedarch.core.federation.EngineFixtures.input;
import static io.fedarch.core.federation.EngineFixtures.kinds;
import static io.fedarch.core.federation.EngineFixtures.one;
import static io.fedarch.core.federation.EngineFixtures.origin;
import static io.fedarch.core.federation.EngineFixtures.pruningSpec;
import static io.fedarch.core.federation.EngineFixtures.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fedarch.core.darts.OperationMask;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.events.ClientUpdate;
import io.fedarch.events.JobCheckpoint;
import io.fedarch.events.JobSpec;
import io.fedarch.events.SearchStatus;
import io.fedarch.events.wire.EventCodec;

/** A job put back from its checkpoint goes on exactly as the uninterrupted one would. */
class EngineRestoreTest {
    private final EngineFixtures.MutableClock clock = new EngineFixtures.MutableClock(T0);
    private final FederationEngine engine = EngineFixtures.engine(clock);

    /** The checkpoint as a restarted coordinator reads it: through its wire form. */
    private static JobCheckpoint checkpoint(JobState job, Instant now) {
        return EventCodec.decode(EventCodec.encode(JobCheckpoints.of(job, now)), JobCheckpoint.class);
    }

    /** An update as it is read back from the update topic. */
    private static ClientUpdate reread(ClientUpdate update) {
        return EventCodec.decode(EventCodec.encode(update), ClientUpdate.class);
    }

    private static void assertSameDecisions(List<Decision> expected, List<Decision> actual) {
        assertEquals(kinds(expected), kinds(actual));
        for (int i = 0; i < expected.size(); i++) {
            if (expected.get(i) instanceof Decision.PublishGlobal e) {
                Decision.PublishGlobal a = (Decision.PublishGlobal) actual.get(i);
                assertEquals(e.round(), a.round());
                assertEquals(e.modelVersion(), a.modelVersion());
                assertEquals(e.participants(), a.participants());
                assertBitForBit(e.model(), a.model());
                assertEquals(e.metrics().getSampleCount(), a.metrics().getSampleCount());
                assertEquals(e.metrics().getTrainLoss(), a.metrics().getTrainLoss());
                assertSameState(e.state(), a.state());
            } else if (expected.get(i) instanceof Decision.SendTasks e) {
                Decision.SendTasks a = (Decision.SendTasks) actual.get(i);
                assertEquals(e.round(), a.round());
                assertEquals(e.attempt(), a.attempt());
                assertEquals(e.modelVersion(), a.modelVersion());
                assertEquals(e.tasks(), a.tasks(), "the same clients with the same task ids, configs and payloads");
                assertBitForBit(TensorCodec.fromAvro(e.model()), TensorCodec.fromAvro(a.model()));
            } else {
                assertEquals(expected.get(i), actual.get(i));
            }
        }
    }

    /**
     * The coordinator commits a round's close before the next round's tasks; a restart in between
     * finds the checkpoint saying the tasks are still to come and publishes them, the same ones.
     */
    @Test
    void aRestoreBetweenARoundsCloseAndTheNextRoundsTasksPublishesThoseTasks() {
        FederationEngine.Started started = engine.submit("deferred", spec(Map.of()), null);
        JobState job = started.job();
        Decision.SendTasks round1 = one(started.decisions(), Decision.SendTasks.class);
        clock.set(T0.plusSeconds(10));
        engine.handle(job, input(answer("deferred", round1, 0, constant(0.1f), 3)));
        engine.handle(job, input(answer("deferred", round1, 1, constant(0.7f), 7)));
        FederationEngine.Outcome closed = engine.handle(job, input(answer("deferred", round1, 2, constant(0.3f), 11)));
        Decision.SendTasks round2 = one(closed.decisions(), Decision.SendTasks.class);
        job.deferRoundTasks(true);
        JobCheckpoint betweenTheTwo = checkpoint(job, clock.instant());
        job.deferRoundTasks(false);
        assertEquals(false, betweenTheTwo.getOpenRound().getTasksPublished());
        assertEquals(true, checkpoint(job, clock.instant()).getOpenRound().getTasksPublished());

        FederationEngine restarted = EngineFixtures.engine(new EngineFixtures.MutableClock(T0.plusSeconds(20)));
        FederationEngine.Restored restored = restarted.restore(betweenTheTwo, Map.of(), List.of(), null);
        assertEquals(true, restored.running());
        assertEquals(true, restored.outcome().changed(), "the published tasks go into the next checkpoint");
        assertSameDecisions(List.of(round2), restored.outcome().decisions());
        assertEquals(true, checkpoint(restored.job(), clock.instant()).getOpenRound().getTasksPublished());

        // A restore from a checkpoint written after the tasks publishes nothing.
        FederationEngine.Restored after = EngineFixtures.engine(new EngineFixtures.MutableClock(T0.plusSeconds(20)))
                .restore(checkpoint(job, clock.instant()), Map.of(), List.of(), null);
        assertEquals(List.of(), after.outcome().decisions());
    }

    @Test
    void aJobRestoredMidRoundFinishesTheRoundBitForBitAsTheUninterruptedOneAndItsDeadlineGetsTheGrace() {
        FederationEngine.Started started = engine.submit("resume", spec(Map.of()), null);
        JobState job = started.job();
        Decision.SendTasks round1 = one(started.decisions(), Decision.SendTasks.class);
        // Values and weights whose mean is not exact in float: any change of order or precision would show.
        ClientUpdate u0 = answer("resume", round1, 0, constant(0.1f), 3);
        ClientUpdate u1 = answer("resume", round1, 1, constant(0.7f), 7);
        ClientUpdate u2 = answer("resume", round1, 2, constant(1f / 3f), 11);
        clock.set(T0.plusSeconds(10));
        engine.handle(job, input(u0));
        engine.handle(job, input(u1));
        job.nextCheckpointSequence();
        JobCheckpoint saved = checkpoint(job, clock.instant());
        assertEquals(2, saved.getOpenRound().getAccepted().size());

        FederationEngine.Outcome uninterrupted = engine.handle(job, input(u2));
        assertEquals(List.of("UpdateCounted", "PublishGlobal", "SendTasks"), kinds(uninterrupted.decisions()));

        // The coordinator was down past the round's deadline (T0 + 60 s).
        Instant restart = T0.plusSeconds(90);
        EngineFixtures.MutableClock later = new EngineFixtures.MutableClock(restart);
        FederationEngine restarted = EngineFixtures.engine(later);
        FederationEngine.Restored restored = restarted.restore(saved, Map.of(0, reread(u0), 1, reread(u1)), List.of(), null);
        assertEquals(true, restored.running());
        assertEquals(List.of(), restored.outcome().decisions());
        assertNull(restored.outcome().rejection());
        JobState back = restored.job();
        assertEquals(JobPhase.ROUND_RUNNING, back.phase());
        assertEquals(1, back.checkpointSequence());
        assertEquals(1, back.openRound().round());
        assertEquals(0, back.openRound().attempt());
        assertEquals(List.of(0, 1), List.copyOf(back.openRound().updates().keySet()));
        assertEquals(origin(u1), back.openRound().updates().get(1).origin());
        assertEquals(restart.plusSeconds(30), back.openRound().deadline(), "30 s to drain what queued up");

        assertNothing(restarted.handle(back, new Input.Tick(restart.plusSeconds(29))));
        later.advance(Duration.ofSeconds(5));
        FederationEngine.Outcome resumed = restarted.handle(back, input(reread(u2)));
        assertAccepted(resumed);
        assertSameDecisions(uninterrupted.decisions(), resumed.decisions());
        assertBitForBit(job.global(), back.global());
        assertEquals(1, back.completedRounds());
    }

    @Test
    void aRestoredRoundKeepsADeadlineBeyondTheGraceAndTheGraceIsCappedAtTheRoundDeadline() {
        FederationEngine.Started started = engine.submit("keep", spec(Map.of()), null);
        JobCheckpoint early = checkpoint(started.job(), T0);
        FederationEngine soon = EngineFixtures.engine(new EngineFixtures.MutableClock(T0.plusSeconds(5)));
        assertEquals(T0.plusSeconds(60), soon.restore(early, Map.of(), List.of(), null).job().openRound().deadline(),
                "T0 + 60 s is after restart + 30 s: unchanged");

        FederationEngine.Started shortRound = engine.submit("short", spec(Map.of("roundDeadlineMs", 10_000)), null);
        JobCheckpoint saved = checkpoint(shortRound.job(), T0);
        FederationEngine late = EngineFixtures.engine(new EngineFixtures.MutableClock(T0.plusSeconds(100)));
        assertEquals(T0.plusSeconds(110), late.restore(saved, Map.of(), List.of(), null).job().openRound().deadline(),
                "the grace is at most the job's round deadline");
    }

    @Test
    void aJobWhoseCountedUpdatesCannotBeReadBackFailsWithTheReason() {
        FederationEngine.Started started = engine.submit("lost", spec(Map.of()), null);
        JobState job = started.job();
        engine.handle(job, input(answer("lost", one(started.decisions(), Decision.SendTasks.class), 1, constant(1f), 1)));
        JobCheckpoint saved = checkpoint(job, T0);

        FederationEngine.Restored restored = engine.restore(saved, Map.of(), List.of(), "offset 1001 of partition 1 is gone");
        assertEquals(false, restored.running());
        String reason = "resumed after a coordinator restart, but the updates it had counted cannot be read back: "
                + "offset 1001 of partition 1 is gone";
        assertEquals(List.of(new Decision.Complete(SearchStatus.FAILED, reason)), restored.outcome().decisions());
        assertEquals(true, restored.outcome().changed());
        assertEquals(JobPhase.FAILED, restored.job().phase());
        assertEquals(reason, restored.job().failureReason());
        assertNull(restored.job().openRound());
    }

    @Test
    void aFinishedJobIsRestoredAsFinishedAndDoesNothing() {
        FederationEngine.Started started = engine.submit("over", spec(Map.of("rounds", 1)), null);
        JobState job = started.job();
        for (int client = 0; client < 3; client++) {
            engine.handle(job, input(answer("over", one(started.decisions(), Decision.SendTasks.class), client,
                    constant(1f), 1)));
        }
        FederationEngine.Restored restored = engine.restore(checkpoint(job, T0), Map.of(), List.of(), "irrelevant");
        assertEquals(false, restored.running());
        assertEquals(List.of(), restored.outcome().decisions());
        assertEquals(JobPhase.SUCCEEDED, restored.job().phase());
    }

    @Test
    void aRestoredJobRecognisesRedeliveredRequestsAndItsBetweenRoundsWaitGetsTheGrace() {
        JobState paced = engine.submit("paced", spec(Map.of("pacing", "EXTERNAL")), null).job();
        assertEquals(1, one(engine.handle(paced, new Input.RoundStartRequest("go", 1)).decisions(),
                Decision.SendTasks.class).round());
        FederationEngine.Restored back = engine.restore(checkpoint(paced, T0), Map.of(), List.of(), null);
        assertNothing(engine.handle(back.job(), new Input.RoundStartRequest("go", 1)));

        JobSpec meta = pruningSpec(Map.of());
        FederationEngine.Started started = engine.submit("meta", meta, null);
        JobState job = started.job();
        Decision.SendTasks round1 = one(started.decisions(), Decision.SendTasks.class);
        for (int client : EngineFixtures.clients(round1)) {
            engine.handle(job, input(answer("meta", round1, client, constant(0.5f), 10)));
        }
        assertEquals(JobPhase.WAITING_FOR_BETWEEN_ROUNDS, job.phase());
        Instant restart = T0.plus(Duration.ofHours(1));
        FederationEngine later = EngineFixtures.engine(new EngineFixtures.MutableClock(restart));
        JobState restored = later.restore(checkpoint(job, T0), Map.of(), List.of(), null).job();
        assertEquals(JobPhase.WAITING_FOR_BETWEEN_ROUNDS, restored.phase());
        assertEquals(restart.plusSeconds(30), restored.betweenRoundsDeadline);
        assertSameState(job.state(), restored.state());
        assertEquals(OperationMask.full(EngineFixtures.OPS), EngineFixtures.stateMask(restored.state()));
        assertNothing(later.handle(restored, new Input.Tick(restart.plusSeconds(30))));
        Decision.SendTasks round2 = one(later.handle(restored, new Input.Tick(restart.plusSeconds(31))).decisions(),
                Decision.SendTasks.class);
        assertEquals(2, round2.round());
        EngineFixtures.assertEveryTaskCarries(EngineFixtures.stateMask(job.state()), round2);
    }

    @Test
    void aFedBuffJobRestoredWithItsBufferMakesTheSameVersionBitForBit() {
        String id = "fedbuff-resume";
        FederationEngine.Started started = engine.submit(id, BufferedAsyncPacingTest.fedBuffSpec(), null);
        JobState job = started.job();
        Decision.SendTasks a = (Decision.SendTasks) started.decisions().get(0);
        Decision.SendTasks b = (Decision.SendTasks) started.decisions().get(1);
        ClientUpdate fromA = BufferedAsyncPacingTest.trained(id, a, 0.3f);
        Decision.SendTasks c = one(engine.handle(job, input(fromA)).decisions(), Decision.SendTasks.class);
        JobCheckpoint saved = checkpoint(job, T0);
        assertEquals(1, saved.getAsyncState().getBuffer().size());

        ClientUpdate fromC = BufferedAsyncPacingTest.trained(id, c, 0.7f);
        FederationEngine.Outcome uninterrupted = engine.handle(job, input(fromC));
        assertEquals(List.of("UpdateCounted", "PublishGlobal", "SendTasks"), kinds(uninterrupted.decisions()));

        Instant restart = T0.plus(Duration.ofMinutes(5));
        FederationEngine later = EngineFixtures.engine(new EngineFixtures.MutableClock(restart));
        FederationEngine.Restored restored = later.restore(saved, Map.of(), List.of(reread(fromA)), null);
        assertEquals(true, restored.running());
        JobState back = restored.job();
        assertEquals(1, back.async.buffer.size());
        assertEquals(0, back.async.restoredBuffer.size());
        assertNotNull(back.async.outstanding.get(BufferedAsyncPacingTest.client(b)));
        for (AsyncState.Outstanding task : back.async.outstanding.values()) {
            assertEquals(restart.plusSeconds(30), task.deadline(), "outstanding tasks get the grace");
        }

        FederationEngine.Outcome resumed = later.handle(back, input(reread(fromC)));
        assertAccepted(resumed);
        assertSameDecisions(uninterrupted.decisions(), resumed.decisions());
        assertBitForBit(job.global(), back.global());
    }

    @Test
    void aRetriedRoundRestoredKeepsItsAttemptItsReplacementsAndItsCountTowardMaxRoundAttempts() {
        JobSpec spec = spec(Map.of("rounds", 1, "totalClients", 4, "clientsPerRound", 3, "maxRoundAttempts", 2));
        FederationEngine.Started started = engine.submit("retried", spec, null);
        JobState job = started.job();
        Decision.SendTasks attempt0 = one(started.decisions(), Decision.SendTasks.class);
        List<Integer> selected = EngineFixtures.clients(attempt0);
        ClientUpdate counted = answer("retried", attempt0, selected.get(0), constant(1f), 1);
        engine.handle(job, input(counted));
        Decision.SendTasks attempt1 = one(engine.handle(job, new Input.Tick(T0.plusSeconds(60))).decisions(),
                Decision.SendTasks.class);
        JobCheckpoint saved = checkpoint(job, T0.plusSeconds(61));

        Instant restart = T0.plus(Duration.ofMinutes(10));
        FederationEngine later = EngineFixtures.engine(new EngineFixtures.MutableClock(restart));
        JobState back = later.restore(saved, Map.of(selected.get(0), reread(counted)), List.of(), null).job();
        assertEquals(1, back.openRound().attempt());
        assertEquals(3, back.openRound().expectedUpdates());
        assertEquals(restart.plusSeconds(30), back.openRound().deadline());
        // A replacement of attempt 1 still counts after the restart.
        int replacement = EngineFixtures.clients(attempt1).get(0);
        assertAccepted(later.handle(back, input(answer("retried", attempt1, replacement, constant(1f), 1))));
        assertEquals(2, back.openRound().updates().size());

        FederationEngine.Outcome failed = later.handle(back, new Input.Tick(restart.plusSeconds(30)));
        assertEquals(List.of(new Decision.Complete(SearchStatus.FAILED, "round 1: only 2 of 3 clients reported by the "
                + "deadline (quorum 3) after 2 attempt(s) (maxRoundAttempts 2)")), failed.decisions());
    }
}
