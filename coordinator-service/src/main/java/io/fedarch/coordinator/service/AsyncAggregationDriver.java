package io.fedarch.coordinator.service;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.fedarch.coordinator.messaging.EventPublisher;
import io.fedarch.coordinator.metrics.CoordinatorMetrics;
import io.fedarch.core.strategy.BufferedAsyncStep;
import io.fedarch.core.strategy.ClientResult;
import io.fedarch.core.strategy.PrunesBetweenRounds;
import io.fedarch.core.strategy.StaleUpdate;
import io.fedarch.core.strategy.Strategy;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.core.util.Seeds;
import io.fedarch.events.AsyncAggregation;
import io.fedarch.events.BufferedUpdate;
import io.fedarch.events.ClientTask;
import io.fedarch.events.ClientUpdate;
import io.fedarch.events.GlobalModel;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelState;
import io.fedarch.events.RoundMetrics;
import io.fedarch.events.RoundPacing;

/**
 * Buffered asynchronous aggregation (FedBuff) for jobs with {@code spec.asyncAggregation}; the
 * {@link FederationService} hands such a job's training here and takes it back for the
 * personalization stage and the completion. There are no rounds: {@code concurrency} clients
 * train at once; every accepted update immediately gets a new task out (to a seeded choice among
 * the clients without one), and every {@code bufferSize} accepted updates make one server version
 * ({@link BufferedAsyncStep}), published as a GlobalModel with {@code round = version} and round
 * metrics over the buffered updates, so progress, rounds.csv and time-to-reference read the same
 * as for synchronous jobs. The job's {@code rounds} counts versions.
 *
 * <p>In async mode a ClientTask's {@code modelVersion} is the version of the model it carries (its
 * base) and its {@code round} is {@code modelVersion + 1}, the first version its update can go
 * into; {@code attempt} is always 0 (a task past its deadline is reissued as a new task to another
 * client, not retried). An update's staleness is the current version minus its task's base version.
 */
@ApplicationScoped
public class AsyncAggregationDriver {
    private static final Logger LOG = Logger.getLogger(AsyncAggregationDriver.class);
    private static final long CLIENT_CHOICE_SALT = 0x41535943L;
    /** RoundMetrics.custom keys of a version's metrics. */
    static final String MEAN_STALENESS = "meanStaleness";
    static final String MAX_STALENESS = "maxStaleness";
    static final String DROPPED_STALE = "droppedStale";

    @Inject
    EventPublisher publisher;

    @Inject
    CoordinatorMetrics metrics;

    @ConfigProperty(name = "fedarch.topics.client-tasks.partitions", defaultValue = "8")
    int taskPartitions;

    /** Checks the async settings of a job; throws with every problem named. */
    static void validate(JobSpec spec, Strategy strategy) {
        AsyncAggregation async = spec.getAsyncAggregation();
        List<String> problems = new ArrayList<>();
        if (async.getBufferSize() < 1) {
            problems.add("bufferSize must be >= 1 (got " + async.getBufferSize() + ")");
        }
        int concurrency = AsyncJobState.concurrency(async, spec.getClientsPerRound());
        if (async.getConcurrency() < 0 || concurrency > spec.getTotalClients()) {
            problems.add("concurrency must be in 0..totalClients (got " + async.getConcurrency() + " of "
                    + spec.getTotalClients() + " clients; 0 = clientsPerRound)");
        }
        if (!(async.getStalenessExponent() >= 0) || Double.isInfinite(async.getStalenessExponent())) {
            problems.add("stalenessExponent must be >= 0 (got " + async.getStalenessExponent() + ")");
        }
        if (!(async.getServerLearningRate() > 0) || Double.isInfinite(async.getServerLearningRate())) {
            problems.add("serverLearningRate must be positive (got " + async.getServerLearningRate() + ")");
        }
        if (async.getMaxStaleness() < 0) {
            problems.add("maxStaleness must be >= 0 (got " + async.getMaxStaleness() + "; 0 = no limit)");
        }
        if (spec.getPacing() == RoundPacing.EXTERNAL) {
            problems.add("pacing EXTERNAL needs synchronous rounds; remove asyncAggregation or use AUTOMATIC");
        }
        if (strategy instanceof PrunesBetweenRounds) {
            problems.add(spec.getAlgorithm() + " prunes its search space between synchronous rounds; "
                    + "it cannot run with asyncAggregation");
        }
        if (!problems.isEmpty()) {
            throw new EventRejectedException("invalid job: asyncAggregation: " + String.join("; ", problems));
        }
    }

    /** Starts training: {@code concurrency} clients get the initial model. */
    void start(JobRun run) {
        Instant now = Instant.now();
        run.async = new AsyncJobState(run.spec.getAsyncAggregation(), now);
        run.phase = JobPhase.ROUND_RUNNING;
        run.async.baseModels.put(run.modelVersion, run.global);
        int concurrency = AsyncJobState.concurrency(run.async.settings, run.spec.getClientsPerRound());
        List<Integer> started = new ArrayList<>();
        for (int i = 0; i < concurrency; i++) {
            started.add(issueTask(run, now, -1));
        }
        LOG.infof("job %s async (FedBuff): %d versions of %d updates each, clients %s training", run.jobId,
                run.spec.getRounds(), run.async.settings.getBufferSize(), started);
    }

    /**
     * An update of an async job in training. Checked like a synchronous one (a client with an
     * outstanding task, positive samples, a model that fits and is finite); a copy of an update
     * already taken, or one for a task given up, is ignored. Returns true when the job made its
     * last version (the caller goes on to personalization or completion).
     */
    boolean receive(JobRun run, ClientUpdate update, UpdateOrigin origin) {
        AsyncJobState async = run.async;
        AsyncJobState.Outstanding task = async.outstanding.get(update.getClientId());
        if (task == null || !task.taskEventId().equals(update.getTaskEventId())) {
            if (async.taskClosed(update.getTaskEventId())) {
                LOG.infof("job %s: update %s of client %d answers task %s, already answered or given up; ignored",
                        run.jobId, update.getEventId(), update.getClientId(), update.getTaskEventId());
                metrics.updateIgnored("closed async task");
                return false;
            }
            throw new EventRejectedException("update of client " + update.getClientId() + " answers task "
                    + update.getTaskEventId() + ", which job " + run.jobId + " never gave it"
                    + (task == null ? " (the client has no outstanding task)" : " (its outstanding task is "
                    + task.taskEventId() + ")"));
        }
        if (update.getSampleCount() <= 0) {
            throw new EventRejectedException("update of client " + update.getClientId() + " has sampleCount "
                    + update.getSampleCount() + "; it must be positive");
        }
        ModelParameters local = UpdateChecks.decode(update.getModelState(), run, update.getClientId());
        Instant now = Instant.now();
        async.outstanding.remove(update.getClientId());
        async.closeTask(task.taskEventId());
        int staleness = run.modelVersion - task.baseVersion();
        int maxStaleness = async.settings.getMaxStaleness();
        if (maxStaleness > 0 && staleness > maxStaleness) {
            async.droppedStale++;
            metrics.updateIgnored("too stale");
            LOG.infof("job %s: update of client %d dropped: staleness %d > maxStaleness %d (%d dropped so far)",
                    run.jobId, update.getClientId(), staleness, maxStaleness, async.droppedStale);
        } else {
            ClientResult result = new ClientResult(update.getClientId(), update.getSampleCount(), local,
                    Map.copyOf(update.getMetrics().getCustom()));
            async.buffer.add(new AsyncJobState.Buffered(
                    new ReceivedUpdate(result, update.getMetrics(), update.getWorkerId(), origin), task.baseVersion()));
            metrics.clientUpdate(run.spec.getAlgorithm(), update.getMetrics());
            LOG.infof("job %s version %d: update %d/%d from client %d (staleness %d, worker %s, %d ms compute)",
                    run.jobId, run.modelVersion + 1, async.buffer.size(), async.settings.getBufferSize(),
                    update.getClientId(), staleness, update.getWorkerId(), update.getMetrics().getComputeMs());
        }
        if (async.buffer.size() >= async.settings.getBufferSize()) {
            step(run, now);
            if (run.modelVersion >= run.spec.getRounds()) {
                finish(run);
                return true;
            }
        }
        issueTask(run, now, -1);
        async.forgetUnreferencedBases(run.modelVersion);
        return false;
    }

    /** Tasks past their deadline are given up and reissued to another client, so the job never waits on a lost one. */
    boolean enforceDeadlines(JobRun run, Instant now) {
        AsyncJobState async = run.async;
        List<Integer> overdue = new ArrayList<>();
        async.outstanding.forEach((client, task) -> {
            if (now.isAfter(task.deadline())) {
                overdue.add(client);
            }
        });
        for (int client : overdue) {
            AsyncJobState.Outstanding task = async.outstanding.remove(client);
            async.closeTask(task.taskEventId());
            int replacement = issueTask(run, now, client);
            metrics.asyncTaskReissued();
            LOG.warnf("job %s: client %d missed the deadline of task %s (version %d); client %d gets a new task",
                    run.jobId, client, task.taskEventId(), task.baseVersion(), replacement);
        }
        if (!overdue.isEmpty()) {
            async.forgetUnreferencedBases(run.modelVersion);
        }
        return !overdue.isEmpty();
    }

    /**
     * After a restart: puts the buffered updates back ({@code updates}, read from the update topic
     * at the places the checkpoint recorded, in its order) and gives outstanding tasks a grace, since
     * their updates may have queued up while the coordinator was down.
     */
    void resume(JobRun run, List<ClientUpdate> updates, Instant now, Duration grace) {
        AsyncJobState async = run.async;
        for (int i = 0; i < updates.size(); i++) {
            ClientUpdate update = updates.get(i);
            BufferedUpdate place = async.restoredBuffer.get(i);
            ModelParameters local = UpdateChecks.decode(update.getModelState(), run, update.getClientId());
            ClientResult result = new ClientResult(update.getClientId(), update.getSampleCount(), local,
                    Map.copyOf(update.getMetrics().getCustom()));
            UpdateOrigin origin = new UpdateOrigin(place.getUpdate().getEventId(), place.getUpdate().getPartition(),
                    place.getUpdate().getOffset());
            async.buffer.add(new AsyncJobState.Buffered(
                    new ReceivedUpdate(result, update.getMetrics(), update.getWorkerId(), origin), place.getBaseVersion()));
        }
        async.restoredBuffer.clear();
        async.outstanding.replaceAll((client, task) -> task.deadline().isBefore(now.plus(grace))
                ? new AsyncJobState.Outstanding(task.taskEventId(), task.baseVersion(), now.plus(grace)) : task);
    }

    /** One server version from the buffer. */
    private void step(JobRun run, Instant now) {
        AsyncJobState async = run.async;
        List<StaleUpdate> stale = new ArrayList<>();
        List<ReceivedUpdate> received = new ArrayList<>();
        List<Integer> participants = new ArrayList<>();
        int maxStaleness = 0;
        double stalenessSum = 0;
        for (AsyncJobState.Buffered b : async.buffer) {
            int staleness = run.modelVersion - b.baseVersion();
            stale.add(new StaleUpdate(b.update().result().clientId(), b.update().result().parameters(),
                    async.baseModels.get(b.baseVersion()), staleness));
            received.add(b.update());
            participants.add(b.update().result().clientId());
            maxStaleness = Math.max(maxStaleness, staleness);
            stalenessSum += staleness;
        }
        long aggregationStart = System.nanoTime();
        run.global = BufferedAsyncStep.apply(run.global, stale, async.settings.getStalenessExponent(),
                async.settings.getServerLearningRate());
        long aggregationMs = (System.nanoTime() - aggregationStart) / 1_000_000;
        long versionMs = Math.max(0, now.toEpochMilli() - async.versionStartedAt.toEpochMilli());
        run.modelVersion++;
        run.completedRounds = run.modelVersion;
        async.baseModels.put(run.modelVersion, run.global);
        async.versionStartedAt = now;
        async.buffer.clear();

        RoundMetrics summary = RoundSummary.of(received, received.size(), aggregationMs, versionMs);
        Map<String, Double> custom = new HashMap<>(summary.getCustom());
        custom.put(MEAN_STALENESS, stalenessSum / received.size());
        custom.put(MAX_STALENESS, (double) maxStaleness);
        custom.put(DROPPED_STALE, (double) async.droppedStale);
        summary.setCustom(custom);
        run.lastRoundMetrics = summary;
        metrics.roundCompleted(run.spec.getAlgorithm(), versionMs, aggregationMs,
                summary.getGlobalValidationAccuracy());
        publisher.globalModel(GlobalModel.newBuilder()
                .setEventId(FederationService.eventId(run, "global-model", run.modelVersion, 0, -1))
                .setJobId(run.jobId)
                .setTimestamp(now)
                .setRound(run.modelVersion)
                .setTotalRounds(run.spec.getRounds())
                .setModelVersion(run.modelVersion)
                .setAlgorithm(run.spec.getAlgorithm())
                .setParticipants(participants)
                .setModelState(TensorCodec.toAvro(run.global, run.spec.getTensorDType()))
                .setMetrics(summary)
                .setSearchMask(null)
                .setSpec(run.spec)
                .build());
        LOG.infof("job %s version %d/%d: clients %s, mean staleness %.2f (max %d), global val acc %.4f, %d ms",
                run.jobId, run.modelVersion, run.spec.getRounds(), participants, stalenessSum / received.size(),
                maxStaleness, summary.getGlobalValidationAccuracy(), versionMs);
    }

    /** The last version is out: outstanding tasks are abandoned (their late updates are ignored as past rounds). */
    private void finish(JobRun run) {
        AsyncJobState async = run.async;
        async.outstanding.keySet().forEach(client -> async.closeTask(async.outstanding.get(client).taskEventId()));
        async.outstanding.clear();
        async.baseModels.clear();
    }

    /**
     * Gives a task on the current version to a seeded choice among the clients without one, other
     * than {@code exclude} when another is free; returns the client.
     */
    private int issueTask(JobRun run, Instant now, int exclude) {
        AsyncJobState async = run.async;
        List<Integer> idle = new ArrayList<>();
        for (int c = 0; c < run.spec.getTotalClients(); c++) {
            if (!async.outstanding.containsKey(c) && c != exclude) {
                idle.add(c);
            }
        }
        if (idle.isEmpty()) {
            idle.add(exclude);
        }
        int sequence = async.taskSequence++;
        int client = idle.get(new Random(Seeds.derive(run.spec.getSeed(), CLIENT_CHOICE_SALT, sequence))
                .nextInt(idle.size()));
        int version = run.modelVersion;
        Instant deadline = now.plusMillis(run.spec.getRoundDeadlineMs());
        String taskId = FederationService.eventId(run, "async-task", version + 1, sequence, client);
        async.baseModels.put(version, run.global);
        async.outstanding.put(client, new AsyncJobState.Outstanding(taskId, version, deadline));
        ModelState model = TensorCodec.toAvro(run.global, run.spec.getTensorDType());
        publisher.clientTask(ClientTask.newBuilder()
                .setEventId(taskId)
                .setJobId(run.jobId)
                .setTimestamp(now)
                .setRound(version + 1)
                .setClientId(client)
                .setAttempt(0)
                .setModelVersion(version)
                .setDeadline(deadline)
                .setSpec(run.spec)
                .setRoundConfig(run.strategy.configureRound(run.spec, version + 1, run.global).roundConfig())
                .setGlobalModel(model)
                .setSearchMask(null)
                .build(), Math.floorMod(client, taskPartitions));
        return client;
    }
}
