package io.fedarch.core.federation;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fedarch.core.strategy.BufferedAsyncStep;
import io.fedarch.core.strategy.ClientInstruction;
import io.fedarch.core.strategy.ClientResult;
import io.fedarch.core.strategy.RunningWeightedSum;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.core.util.Seeds;
import io.fedarch.events.BufferedUpdate;
import io.fedarch.events.ClientUpdate;
import io.fedarch.events.ModelState;
import io.fedarch.events.RoundMetrics;

/**
 * Buffered asynchronous aggregation (FedBuff) for jobs with {@code spec.asyncAggregation}. There are
 * no rounds: {@code concurrency} clients train at once; every accepted update immediately gets a new
 * task out (to a seeded choice among the clients without one), and every {@code bufferSize} accepted
 * updates make one server version ({@link BufferedAsyncStep}), published with {@code round = version}
 * and round metrics over the buffered updates, so progress, rounds.csv and time-to-reference read
 * the same as for synchronous jobs. The job's {@code rounds} counts versions.
 *
 * <p>A task's {@code modelVersion} is the version of the model it carries (its base) and its
 * {@code round} is {@code modelVersion + 1}, the first version its update can go into; {@code attempt}
 * is always 0 (a task past its deadline is reissued as a new task to another client, not retried).
 * An update's staleness is the current version minus its task's base version.
 */
final class BufferedAsyncPacing implements Pacing {
    private static final Logger LOG = LoggerFactory.getLogger(BufferedAsyncPacing.class);
    private static final long CLIENT_CHOICE_SALT = 0x41535943L;
    /** RoundMetrics.custom keys of a version's metrics. */
    static final String MEAN_STALENESS = "meanStaleness";
    static final String MAX_STALENESS = "maxStaleness";
    static final String DROPPED_STALE = "droppedStale";

    private final FederationEngine engine;

    BufferedAsyncPacing(FederationEngine engine) {
        this.engine = engine;
    }

    /** {@code concurrency} clients get the initial model. */
    @Override
    public void start(JobState job, Instant now, List<Decision> out) {
        job.async = new AsyncState(job.spec.getAsyncAggregation(), now);
        job.phase = JobPhase.ROUND_RUNNING;
        job.async.baseModels.put(job.modelVersion, job.global);
        int concurrency = AsyncState.concurrency(job.async.settings, job.spec.getClientsPerRound());
        List<Integer> started = new ArrayList<>();
        for (int i = 0; i < concurrency && !job.phase.finished(); i++) {
            started.add(issueTask(job, now, -1, 0, out));
        }
        LOG.info("job {} async (FedBuff): {} versions of {} updates each, clients {} training", job.jobId,
                job.spec.getRounds(), job.async.settings.getBufferSize(), started);
    }

    /**
     * Checked like a synchronous update (a client with an outstanding task, positive samples, a
     * model that fits and is finite); a copy of an update already taken, or one for a task given up,
     * is ignored. The last version hands the job back to the engine (personalization or completion).
     */
    @Override
    public boolean onUpdate(JobState job, ClientUpdate update, UpdateOrigin origin, Instant now, List<Decision> out) {
        AsyncState async = job.async;
        AsyncState.Outstanding task = async.outstanding.get(update.getClientId());
        if (task == null || !task.taskEventId().equals(update.getTaskEventId())) {
            if (async.taskClosed(update.getTaskEventId())) {
                LOG.info("job {}: update {} of client {} answers task {}, already answered or given up; ignored",
                        job.jobId, update.getEventId(), update.getClientId(), update.getTaskEventId());
                out.add(new Decision.UpdateIgnored("closed async task"));
                return false;
            }
            throw new InputRejectedException("update of client " + update.getClientId() + " answers task "
                    + update.getTaskEventId() + ", which job " + job.jobId + " never gave it"
                    + (task == null ? " (the client has no outstanding task)" : " (its outstanding task is "
                    + task.taskEventId() + ")"));
        }
        if (update.getSampleCount() <= 0) {
            throw new InputRejectedException("update of client " + update.getClientId() + " has sampleCount "
                    + update.getSampleCount() + "; it must be positive");
        }
        // A compressed update is a difference to the model of its task's version.
        ModelParameters local = engine.decode(job, update.getModelState(), update.getClientId(),
                async.baseModels.getOrDefault(task.baseVersion(), job.global));
        async.outstanding.remove(update.getClientId());
        async.closeTask(task.taskEventId());
        int staleness = job.modelVersion - task.baseVersion();
        int maxStaleness = async.settings.getMaxStaleness();
        if (maxStaleness > 0 && staleness > maxStaleness) {
            async.droppedStale++;
            out.add(new Decision.UpdateIgnored("too stale"));
            LOG.info("job {}: update of client {} dropped: staleness {} > maxStaleness {} ({} dropped so far)",
                    job.jobId, update.getClientId(), staleness, maxStaleness, async.droppedStale);
        } else {
            ClientResult result = new ClientResult(instruction(job, update.getClientId(), task.baseVersion()),
                    engine.weight(job, update), local, update.getMetrics());
            fold(job, new ReceivedUpdate(result, update.getMetrics(), update.getWorkerId(), origin), task.baseVersion());
            async.counted++;
            out.add(new Decision.UpdateCounted(update.getMetrics()));
            LOG.info("job {} version {}: update {}/{} from client {} (staleness {}, worker {}, {} ms compute)",
                    job.jobId, job.modelVersion + 1, async.buffer.size(), async.settings.getBufferSize(),
                    update.getClientId(), staleness, update.getWorkerId(), update.getMetrics().getComputeMs());
        }
        if (async.buffer.size() >= async.settings.getBufferSize()) {
            if (!step(job, now, out)) {
                return true;
            }
            if (job.modelVersion >= job.spec.getRounds()) {
                finish(job);
                engine.afterLastRound(job, now, out);
                return true;
            }
        }
        issueTask(job, now, -1, 0, out);
        async.forgetUnreferencedBases(job.modelVersion);
        return true;
    }

    /**
     * Tasks past their deadline are given up and reissued to another client, so the job never waits
     * on a lost one. The counterpart of synchronous rounds' maxRoundAttempts: when a task's line of
     * reissues has missed maxRoundAttempts deadlines in a row with no update counted anywhere in the
     * job meanwhile, the job fails. Counting whole deadlines without progress (rather than reissues)
     * keeps stragglers harmless, as they are in FedBuff by design, and catches both a job whose
     * workers are gone and one whose every update is refused (a refused update leaves its task
     * outstanding until its deadline).
     */
    @Override
    public boolean onTick(JobState job, Instant now, List<Decision> out) {
        AsyncState async = job.async;
        List<Integer> overdue = new ArrayList<>();
        async.outstanding.forEach((client, task) -> {
            if (now.isAfter(task.deadline())) {
                overdue.add(client);
            }
        });
        for (int client : overdue) {
            AsyncState.Outstanding task = async.outstanding.remove(client);
            async.closeTask(task.taskEventId());
            int misses = async.counted == task.countedAtIssue() ? task.misses() + 1 : 0;
            if (misses >= job.spec.getMaxRoundAttempts()) {
                finish(job);
                engine.fail(job, "no update was counted in " + misses + " consecutive task deadline"
                        + (misses == 1 ? "" : "s") + " of " + job.spec.getRoundDeadlineMs() + " ms (maxRoundAttempts "
                        + job.spec.getMaxRoundAttempts() + "; the last one missed by client " + client
                        + "): the clients are unreachable or every update they sent was refused", out);
                return true;
            }
            int replacement = issueTask(job, now, client, misses, out);
            out.add(new Decision.TaskReissued(client, replacement));
            LOG.warn("job {}: client {} missed the deadline of task {} (version {}); client {} gets a new task",
                    job.jobId, client, task.taskEventId(), task.baseVersion(), replacement);
        }
        if (!overdue.isEmpty()) {
            async.forgetUnreferencedBases(job.modelVersion);
        }
        return !overdue.isEmpty();
    }

    /**
     * Puts the buffered updates back ({@code updates}, read from the update topic at the places the
     * checkpoint recorded, in its order) and gives outstanding tasks a grace, since their updates may
     * have queued up while the coordinator was down.
     */
    @Override
    public void onResume(JobState job, List<ClientUpdate> updates, Instant now, Duration grace) {
        AsyncState async = job.async;
        for (int i = 0; i < updates.size(); i++) {
            ClientUpdate update = updates.get(i);
            BufferedUpdate place = async.restoredBuffer.get(i);
            ModelParameters local = engine.decode(job, update.getModelState(), update.getClientId(),
                    async.baseModels.getOrDefault(place.getBaseVersion(), job.global));
            ClientResult result = new ClientResult(instruction(job, update.getClientId(), place.getBaseVersion()),
                    engine.weight(job, update), local, update.getMetrics());
            UpdateOrigin origin = new UpdateOrigin(place.getUpdate().getEventId(), place.getUpdate().getPartition(),
                    place.getUpdate().getOffset());
            fold(job, new ReceivedUpdate(result, update.getMetrics(), update.getWorkerId(), origin), place.getBaseVersion());
        }
        async.restoredBuffer.clear();
        async.outstanding.replaceAll((client, task) -> task.deadline().isBefore(now.plus(grace))
                ? new AsyncState.Outstanding(task.taskEventId(), task.baseVersion(), now.plus(grace)) : task);
    }

    /**
     * Folds an accepted update's staleness-weighted delta (local − its base) into the version's
     * running sum and buffers only its weight, metrics and place: the coordinator holds one sum per
     * version, not {@code bufferSize} models. Its staleness is final on arrival: the version does not
     * change until the buffer is full.
     */
    private static void fold(JobState job, ReceivedUpdate received, int baseVersion) {
        AsyncState async = job.async;
        if (async.deltas == null) {
            async.deltas = new RunningWeightedSum(job.global);
        }
        double weight = BufferedAsyncStep.stalenessWeight(job.modelVersion - baseVersion,
                async.settings.getStalenessExponent());
        async.deltas.addDifference(received.result().parameters(), async.baseModels.get(baseVersion), weight);
        async.buffer.add(new AsyncState.Buffered(received.withoutModel(), baseVersion));
    }

    /** One server version from the folded buffer; false when it is not finite and the job failed instead. */
    private boolean step(JobState job, Instant now, List<Decision> out) {
        AsyncState async = job.async;
        List<ReceivedUpdate> received = new ArrayList<>();
        List<Integer> participants = new ArrayList<>();
        int maxStaleness = 0;
        double stalenessSum = 0;
        for (AsyncState.Buffered b : async.buffer) {
            int staleness = job.modelVersion - b.baseVersion();
            received.add(b.update());
            participants.add(b.update().result().clientId());
            maxStaleness = Math.max(maxStaleness, staleness);
            stalenessSum += staleness;
        }
        long aggregationStart = System.nanoTime();
        double rate = async.settings.getServerLearningRate();
        ModelParameters next = BufferedAsyncStep.apply(job.global, async.deltas, async.buffer.size(), rate);
        String nonFinite = FiniteAggregate.problem(next);
        if (nonFinite != null) {
            finish(job);
            engine.fail(job, "version " + (job.modelVersion + 1) + ": " + nonFinite
                    + (rate > 1 ? " (asyncAggregation.serverLearningRate " + rate + " may be too large)" : ""), out);
            return false;
        }
        job.global = next;
        long aggregationMs = (System.nanoTime() - aggregationStart) / 1_000_000;
        long versionMs = Math.max(0, now.toEpochMilli() - async.versionStartedAt.toEpochMilli());
        job.modelVersion++;
        job.completedRounds = job.modelVersion;
        async.baseModels.put(job.modelVersion, job.global);
        async.versionStartedAt = now;
        async.buffer.clear();
        async.deltas = null;

        RoundMetrics summary = RoundSummary.of(received, received.size(), aggregationMs, versionMs);
        Map<String, Double> custom = new HashMap<>(summary.getCustom());
        custom.put(MEAN_STALENESS, stalenessSum / received.size());
        custom.put(MAX_STALENESS, (double) maxStaleness);
        custom.put(DROPPED_STALE, (double) async.droppedStale);
        summary.setCustom(custom);
        job.lastRoundMetrics = summary;
        out.add(new Decision.PublishGlobal(job.modelVersion, job.modelVersion, participants, job.global, summary,
                job.state));
        LOG.info("job {} version {}/{}: clients {}, mean staleness {} (max {}), global val acc {}, {} ms",
                job.jobId, job.modelVersion, job.spec.getRounds(), participants,
                String.format("%.2f", stalenessSum / received.size()), maxStaleness,
                String.format("%.4f", summary.getGlobalValidationAccuracy()), versionMs);
        return true;
    }

    /**
     * The last version is out, or the job failed: outstanding tasks are abandoned (their late updates
     * are ignored as past rounds) and what a failed job had buffered is dropped.
     */
    private static void finish(JobState job) {
        AsyncState async = job.async;
        async.outstanding.keySet().forEach(client -> async.closeTask(async.outstanding.get(client).taskEventId()));
        async.outstanding.clear();
        async.buffer.clear();
        async.deltas = null;
        async.baseModels.clear();
    }

    /**
     * Gives a task on the current version to a seeded choice among the clients without one, other
     * than {@code exclude} when another is free; returns the client. {@code misses}: see
     * {@link AsyncState.Outstanding}.
     */
    private int issueTask(JobState job, Instant now, int exclude, int misses, List<Decision> out) {
        AsyncState async = job.async;
        List<Integer> idle = new ArrayList<>();
        for (int c : job.strategy.trainingClients(job.spec)) {
            if (!async.outstanding.containsKey(c) && c != exclude) {
                idle.add(c);
            }
        }
        if (idle.isEmpty()) {
            idle.add(exclude);
        }
        int sequence = async.taskSequence++;
        int client = idle.get(new Random(Seeds.derive(job.spec.getSeed(), CLIENT_CHOICE_SALT, sequence))
                .nextInt(idle.size()));
        int version = job.modelVersion;
        Instant deadline = now.plusMillis(job.spec.getRoundDeadlineMs());
        String taskId = EventIds.of(job.jobId, "async-task", version + 1, sequence, client);
        async.baseModels.put(version, job.global);
        async.outstanding.put(client, new AsyncState.Outstanding(taskId, version, deadline, misses, async.counted));
        Decision.TaskOrder order = FederationEngine.taskOrder(instruction(job, client, version), taskId);
        ModelState model = engine.encodedForTasks(job,
                order.payload() == null ? 0 : TensorCodec.encodedBytes(order.payload()), out);
        if (model != null) {
            out.add(new Decision.SendTasks(version + 1, 0, version, deadline, model, List.of(order)));
        }
        return client;
    }

    /** What a task on {@code baseVersion} asks of its client (recomputed, not stored: the strategy is deterministic). */
    private static ClientInstruction instruction(JobState job, int client, int baseVersion) {
        ModelParameters base = job.async.baseModels.getOrDefault(baseVersion, job.global);
        return job.strategy.instruct(job.spec, baseVersion + 1, client, base, job.state);
    }
}
