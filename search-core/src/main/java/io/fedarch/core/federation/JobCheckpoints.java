package io.fedarch.core.federation;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.fedarch.core.strategy.RoundPlan;
import io.fedarch.core.strategy.ServerStateCodec;
import io.fedarch.core.strategy.Strategy;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.events.AcceptedUpdate;
import io.fedarch.events.AsyncCheckpoint;
import io.fedarch.events.BufferedUpdate;
import io.fedarch.events.DType;
import io.fedarch.events.JobCheckpoint;
import io.fedarch.events.OpenRound;
import io.fedarch.events.OutstandingTask;
import io.fedarch.events.VersionedModel;

/**
 * Maps a job's state to its checkpoint and back. The global model goes in at full precision
 * (whatever the job's wire precision), so a resumed job aggregates exactly what an uninterrupted
 * one would; the open round's updates go in by reference only.
 */
public final class JobCheckpoints {
    private JobCheckpoints() {
    }

    public static JobCheckpoint of(JobState run, Instant now) {
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
                .setStrategyState(ServerStateCodec.toAvro(run.state))
                .setBetweenRoundsAppliedAfterRound(run.betweenRoundsAppliedAfter)
                .setBetweenRoundsDeadlineMillis(run.betweenRoundsDeadline == null ? null : run.betweenRoundsDeadline.toEpochMilli())
                .setRoundStartPending(run.roundStartPending)
                .setOpenRound(run.openRound == null ? null : openRound(run.openRound))
                .setLastRoundMetrics(run.lastRoundMetrics)
                .setFailureReason(run.failureReason)
                .setPersonalizedClients(run.personalizedClients)
                .setHandledEventIds(run.handledEventIds())
                .setAsyncState(finished || run.async == null ? null : asyncState(run.async))
                .setDownlink(finished ? null : run.downlink.checkpoint())
                .build();
    }

    /** Base models at FP32 (deltas are taken from them exactly); buffered updates by reference, like the open round's. */
    private static AsyncCheckpoint asyncState(AsyncState async) {
        List<VersionedModel> bases = new ArrayList<>();
        async.baseModels.forEach((version, model) -> bases.add(VersionedModel.newBuilder()
                .setVersion(version).setModel(TensorCodec.toAvro(model, DType.FP32)).build()));
        List<OutstandingTask> outstanding = new ArrayList<>();
        async.outstanding.forEach((client, task) -> outstanding.add(OutstandingTask.newBuilder()
                .setClientId(client).setTaskEventId(task.taskEventId()).setBaseVersion(task.baseVersion())
                .setDeadline(task.deadline()).build()));
        List<BufferedUpdate> buffer = new ArrayList<>();
        for (AsyncState.Buffered b : async.buffer) {
            buffer.add(BufferedUpdate.newBuilder().setBaseVersion(b.baseVersion()).setUpdate(AcceptedUpdate.newBuilder()
                    .setClientId(b.update().result().clientId())
                    .setEventId(b.update().origin().eventId())
                    .setPartition(b.update().origin().partition())
                    .setOffset(b.update().origin().offset())
                    .build()).build());
        }
        // Restored but not yet read back (a checkpoint written while resuming) keeps its places.
        buffer.addAll(async.restoredBuffer);
        return AsyncCheckpoint.newBuilder()
                .setTaskSequence(async.taskSequence)
                .setVersionStartedAt(async.versionStartedAt)
                .setDroppedStale(async.droppedStale)
                .setBaseModels(bases)
                .setOutstanding(outstanding)
                .setBuffer(buffer)
                .setClosedTaskIds(async.closedTaskIds())
                .build();
    }

    private static AsyncState restoreAsync(JobCheckpoint checkpoint) {
        AsyncCheckpoint saved = checkpoint.getAsyncState();
        AsyncState async = new AsyncState(checkpoint.getSpec().getAsyncAggregation(), saved.getVersionStartedAt());
        async.taskSequence = saved.getTaskSequence();
        async.droppedStale = saved.getDroppedStale();
        saved.getBaseModels().forEach(b -> async.baseModels.put(b.getVersion(), TensorCodec.fromAvro(b.getModel())));
        saved.getOutstanding().forEach(t -> async.outstanding.put(t.getClientId(),
                new AsyncState.Outstanding(t.getTaskEventId(), t.getBaseVersion(), t.getDeadline())));
        async.restoredBuffer.addAll(saved.getBuffer());
        saved.getClosedTaskIds().forEach(async::closeTask);
        return async;
    }

    private static OpenRound openRound(RoundState round) {
        List<AcceptedUpdate> accepted = new ArrayList<>();
        // In the order they were folded, so a restore refolds them into the same sums bit for bit.
        for (int client : round.arrival) {
            UpdateOrigin origin = round.updates.get(client).origin();
            accepted.add(AcceptedUpdate.newBuilder()
                    .setClientId(client)
                    .setEventId(origin.eventId())
                    .setPartition(origin.partition())
                    .setOffset(origin.offset())
                    .build());
        }
        return OpenRound.newBuilder()
                .setRound(round.round)
                .setAttempt(round.attempt)
                .setExpectedUpdates(round.expectedUpdates())
                .setAsked(new ArrayList<>(round.asked))
                .setStartedAt(round.startedAt)
                .setDeadline(round.deadline)
                .setAccepted(accepted)
                .setTasksPublished(round.tasksPublished)
                .build();
    }

    /**
     * The open round as it was: the selection is the first expectedUpdates clients asked, later ones
     * replaced missing ones. Instructions are not checkpointed but asked of the strategy again: they
     * are a deterministic function of the job, the round, the client, the global model and the state,
     * none of which changes while a round is open.
     */
    private static RoundState openRound(JobState run, OpenRound open, boolean mayFold) {
        RoundPlan plan;
        if (run.phase == JobPhase.PERSONALIZING) {
            plan = run.strategy.configurePersonalization(run.spec, run.global, run.state);
        } else {
            List<Integer> selected = open.getAsked().subList(0, Math.min(open.getExpectedUpdates(), open.getAsked().size()));
            plan = new RoundPlan(selected.stream()
                    .map(client -> run.strategy.instruct(run.spec, open.getRound(), client, run.global, run.state))
                    .toList());
        }
        RoundState round = RoundState.open(run, open.getRound(), plan, open.getStartedAt(), open.getDeadline(),
                mayFold);
        for (int client : open.getAsked()) {
            if (!round.instructions.containsKey(client)) {
                round.ask(run.strategy.instruct(run.spec, open.getRound(), client, run.global, run.state));
            }
        }
        round.attempt = open.getAttempt();
        round.tasksPublished = open.getTasksPublished();
        return round;
    }

    /** Rebuilds a job from its checkpoint; the caller puts the open round's updates back, read from the update topic. */
    public static JobState restore(JobCheckpoint checkpoint, Strategy strategy) {
        return restore(checkpoint, strategy, true);
    }

    /** As {@link #restore(JobCheckpoint, Strategy)}; {@code mayFold}: see {@link EngineSettings#foldUpdates}. */
    public static JobState restore(JobCheckpoint checkpoint, Strategy strategy, boolean mayFold) {
        JobState run = new JobState(checkpoint.getJobId(), checkpoint.getSpec(), strategy,
                checkpoint.getGlobalModel() == null ? null : TensorCodec.fromAvro(checkpoint.getGlobalModel()),
                checkpoint.getAcceptedAt());
        run.phase = JobPhase.fromCheckpoint(checkpoint.getPhase());
        run.checkpointSequence = checkpoint.getSequence();
        run.completedRounds = checkpoint.getCompletedRounds();
        run.modelVersion = checkpoint.getModelVersion();
        run.state = ServerStateCodec.fromAvro(checkpoint.getStrategyState());
        run.betweenRoundsAppliedAfter = checkpoint.getBetweenRoundsAppliedAfterRound();
        run.betweenRoundsDeadline = checkpoint.getBetweenRoundsDeadlineMillis() == null ? null
                : Instant.ofEpochMilli(checkpoint.getBetweenRoundsDeadlineMillis());
        run.roundStartPending = checkpoint.getRoundStartPending();
        run.lastRoundMetrics = checkpoint.getLastRoundMetrics();
        run.failureReason = checkpoint.getFailureReason();
        run.personalizedClients = List.copyOf(checkpoint.getPersonalizedClients());
        checkpoint.getHandledEventIds().forEach(run::firstTimeHandled);
        if (checkpoint.getAsyncState() != null) {
            run.async = restoreAsync(checkpoint);
        }
        run.downlink = DownlinkBroadcast.restore(checkpoint.getDownlink());
        OpenRound open = checkpoint.getOpenRound();
        if (open != null) {
            run.openRound = openRound(run, open, mayFold);
        }
        return run;
    }
}
