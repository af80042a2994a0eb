package io.fedarch.coordinator.service;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.fedarch.core.darts.OperationMask;
import io.fedarch.core.strategy.RoundPlan;
import io.fedarch.core.strategy.Strategy;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.events.AcceptedUpdate;
import io.fedarch.events.DType;
import io.fedarch.events.JobCheckpoint;
import io.fedarch.events.OpenRound;

/**
 * Maps a job's state to its checkpoint and back. The global model goes in at full precision
 * (whatever the job's wire precision), so a resumed job aggregates exactly what an uninterrupted
 * one would; the open round's updates go in by reference only.
 */
final class JobCheckpoints {
    private JobCheckpoints() {
    }

    static JobCheckpoint of(JobRun run, Instant now) {
        boolean finished = run.phase.finished();
        return JobCheckpoint.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setJobId(run.jobId)
                .setTimestamp(now)
                .setSequence(run.checkpointSequence)
                .setSpec(run.spec)
                .setPhase(run.phase.name())
                .setAcceptedAt(run.acceptedAt)
                .setCompletedRounds(run.completedRounds)
                .setModelVersion(run.modelVersion)
                // A finished job needs no model any more: the search completion event carries the final one.
                .setGlobalModel(finished || run.global == null ? null : TensorCodec.toAvro(run.global, DType.FP32))
                .setSearchMask(run.mask == null ? null : run.mask.toAvro())
                .setMaskAppliedAfterRound(run.maskAppliedAfterRound)
                .setMaskDeadlineMillis(run.maskDeadline == null ? null : run.maskDeadline.toEpochMilli())
                .setRoundStartPending(run.roundStartPending)
                .setOpenRound(run.openRound == null ? null : openRound(run.openRound))
                .setLastRoundMetrics(run.lastRoundMetrics)
                .setFailureReason(run.failureReason)
                .setPersonalizedClients(run.personalizedClients)
                .setHandledEventIds(run.handledEventIds())
                .build();
    }

    private static OpenRound openRound(RoundState round) {
        List<AcceptedUpdate> accepted = new ArrayList<>();
        round.updates.forEach((client, update) -> accepted.add(AcceptedUpdate.newBuilder()
                .setClientId(client)
                .setEventId(update.origin().eventId())
                .setPartition(update.origin().partition())
                .setOffset(update.origin().offset())
                .build()));
        return OpenRound.newBuilder()
                .setRound(round.round)
                .setAttempt(round.attempt)
                .setExpectedUpdates(round.expectedUpdates())
                .setAsked(new ArrayList<>(round.asked))
                .setRoundConfig(round.plan.roundConfig())
                .setStartedAt(round.startedAt)
                .setDeadline(round.deadline)
                .setAccepted(accepted)
                .build();
    }

    /** Rebuilds a job from its checkpoint; the caller puts the open round's updates back, read from the update topic. */
    static JobRun restore(JobCheckpoint checkpoint, Strategy strategy) {
        JobRun run = new JobRun(checkpoint.getJobId(), checkpoint.getSpec(), strategy,
                checkpoint.getGlobalModel() == null ? null : TensorCodec.fromAvro(checkpoint.getGlobalModel()),
                checkpoint.getAcceptedAt());
        run.phase = JobPhase.valueOf(checkpoint.getPhase());
        run.checkpointSequence = checkpoint.getSequence();
        run.completedRounds = checkpoint.getCompletedRounds();
        run.modelVersion = checkpoint.getModelVersion();
        run.mask = checkpoint.getSearchMask() == null ? null : OperationMask.fromAvro(checkpoint.getSearchMask());
        run.maskAppliedAfterRound = checkpoint.getMaskAppliedAfterRound();
        run.maskDeadline = checkpoint.getMaskDeadlineMillis() == null ? null
                : Instant.ofEpochMilli(checkpoint.getMaskDeadlineMillis());
        run.roundStartPending = checkpoint.getRoundStartPending();
        run.lastRoundMetrics = checkpoint.getLastRoundMetrics();
        run.failureReason = checkpoint.getFailureReason();
        run.personalizedClients = List.copyOf(checkpoint.getPersonalizedClients());
        checkpoint.getHandledEventIds().forEach(run::firstTimeHandled);
        OpenRound open = checkpoint.getOpenRound();
        if (open != null) {
            // The selection is the first expectedUpdates clients asked; later ones replaced missing ones.
            List<Integer> selected = open.getAsked().subList(0, Math.min(open.getExpectedUpdates(), open.getAsked().size()));
            RoundState round = new RoundState(open.getRound(), new RoundPlan(selected, open.getRoundConfig()),
                    open.getStartedAt(), open.getDeadline());
            round.asked.addAll(open.getAsked());
            round.attempt = open.getAttempt();
            run.openRound = round;
        }
        return run;
    }
}
