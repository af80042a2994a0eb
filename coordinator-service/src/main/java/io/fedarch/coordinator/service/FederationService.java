package io.fedarch.coordinator.service;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.fedarch.coordinator.mapping.Events;
import io.fedarch.coordinator.messaging.EventPublisher;
import io.fedarch.coordinator.metrics.CoordinatorMetrics;
import io.fedarch.core.federation.Decision;
import io.fedarch.core.federation.EngineSettings;
import io.fedarch.core.federation.FederationEngine;
import io.fedarch.core.federation.Input;
import io.fedarch.core.federation.InputRejectedException;
import io.fedarch.core.data.PartitionSampleCap;
import io.fedarch.core.federation.JobLimits;
import io.fedarch.core.federation.SampleCountCap;
import io.fedarch.core.federation.JobState;
import io.fedarch.core.federation.UpdateOrigin;
import io.fedarch.core.strategy.Strategy;
import io.fedarch.core.strategy.StrategyRegistry;
import io.fedarch.events.ArchitectureMask;
import io.fedarch.events.ClientTask;
import io.fedarch.events.ClientUpdate;
import io.fedarch.events.JobCheckpoint;
import io.fedarch.events.JobSpec;
import io.fedarch.events.JobSubmitted;
import io.fedarch.events.RoundStartRequested;


/**
 * The coordinator's adapter around the {@link FederationEngine}, which holds the whole protocol
 * (rounds, quorum, retries, FedBuff, the between-rounds wait, personalization, completion). For each
 * event: find the job, lock it (events of one job are handled one at a time, different jobs never
 * wait for each other), let the engine decide, publish what it decided as Avro events, and
 * checkpoint the job ({@link CheckpointStore}) before the event is acknowledged, so a restarted
 * coordinator resumes from Kafka ({@link JobRecovery}). A refused event is rethrown after its
 * effects are applied, and becomes a dead letter with the reason.
 */
@ApplicationScoped
public class FederationService {
    private static final Logger LOG = Logger.getLogger(FederationService.class);

    @Inject
    JobRegistry jobs;

    @Inject
    EventPublisher publisher;

    @Inject
    CoordinatorMetrics metrics;

    @Inject
    CheckpointStore checkpoints;

    @ConfigProperty(name = "fedarch.topics.client-tasks.partitions", defaultValue = "8")
    int taskPartitions;

    @ConfigProperty(name = "fedarch.topics.max-message-bytes", defaultValue = "67108864")
    int maxMessageBytes;

    /** How long a soft-pruning job waits for the pruning service's mask before it goes on with the current one. */
    @ConfigProperty(name = "fedarch.coordinator.mask-wait", defaultValue = "PT2M")
    Duration maskWait;

    /** A resumed round gets at least this long (capped at its job's round deadline) to drain the updates that queued up. */
    @ConfigProperty(name = "fedarch.coordinator.resume-grace", defaultValue = "PT30S")
    Duration resumeGrace;

    /** What one worker may use for a task (the chart sets it to the workers' memory limit); bigger jobs are refused. */
    @ConfigProperty(name = "fedarch.limits.worker-memory-bytes", defaultValue = "17179869184")
    long workerMemoryBytes;

    @ConfigProperty(name = "fedarch.limits.max-total-clients", defaultValue = "100000")
    int maxTotalClients;

    @ConfigProperty(name = "fedarch.limits.max-clients-per-round", defaultValue = "1000")
    int maxClientsPerRound;

    @ConfigProperty(name = "fedarch.limits.max-rounds", defaultValue = "10000")
    int maxRounds;

    @ConfigProperty(name = "fedarch.limits.max-epochs", defaultValue = "100")
    int maxEpochs;

    /**
     * Where the coordinator reads the dataset's training labels to compute each client's shard size,
     * the most an update is weighed (review H4); a deployment without them there has no cap.
     */
    @ConfigProperty(name = "fedarch.coordinator.data-dir", defaultValue = "/usr/share/datasets/fashion-mnist")
    java.nio.file.Path dataDir;

    /** Off for silo deployments, where each silo's data is its own and the shared partition says nothing. */
    @ConfigProperty(name = "fedarch.coordinator.cap-sample-counts", defaultValue = "true")
    boolean capSampleCounts;

    private FederationEngine engine;

    @PostConstruct
    void createEngine() {
        JobLimits d = JobLimits.DEFAULTS;
        JobLimits limits = new JobLimits(maxTotalClients, maxClientsPerRound, maxRounds, maxEpochs, d.maxBatchSize(),
                d.maxRoundDeadline(), d.maxRoundAttempts(), d.maxSpecBytes(), d.maxKnobValue(), workerMemoryBytes);
        engine = new FederationEngine(StrategyRegistry.builtIn(),
                new EngineSettings(maskWait, resumeGrace, maxMessageBytes, limits), java.time.Clock.systemUTC(),
                capSampleCounts ? new PartitionSampleCap(dataDir) : SampleCountCap.NONE);
    }

    /** Checks a spec the way an incoming job will be checked, so REST callers get the error at once. */
    public Strategy validate(JobSpec spec) {
        return engine.validate(spec);
    }

    /** Accepts a job once; a second JobSubmitted with the same job id is ignored. */
    public void submit(JobSubmitted event) {
        if (jobs.contains(event.getJobId())) {
            LOG.infof("job %s already known; duplicate submission %s ignored", event.getJobId(), event.getEventId());
            return;
        }
        FederationEngine.Started started = engine.submit(event.getJobId(), event.getSpec(), event.getInitialModel());
        JobState job = started.job();
        synchronized (job) {
            if (!jobs.register(job)) {
                return;
            }
            apply(job, started.decisions());
            save(job);
        }
    }

    public void requestRound(RoundStartRequested request) {
        handle(request.getJobId(), new Input.RoundStartRequest(request.getEventId(), request.getRound()));
    }

    public void receive(ClientUpdate update, UpdateOrigin origin) {
        handle(update.getJobId(), new Input.Update(update, origin));
    }

    public void receiveMask(ArchitectureMask mask) {
        handle(mask.getJobId(), new Input.BetweenRoundsResult(mask.getRound(), mask.getStrategyState()));
    }

    /** The clock: passed deadlines close, retry or fail rounds, reissue FedBuff tasks, end waits. */
    public void enforceDeadlines(Instant now) {
        for (JobState job : jobs.all()) {
            synchronized (job) {
                try {
                    FederationEngine.Outcome outcome = engine.handle(job, new Input.Tick(now));
                    apply(job, outcome.decisions());
                    if (outcome.changed()) {
                        save(job);
                    }
                } catch (RuntimeException e) {
                    // One job's failure must not stop the deadlines of the jobs after it.
                    LOG.errorf(e, "job %s: deadline check failed", job.jobId());
                }
            }
        }
    }

    /**
     * Puts a job back as its latest checkpoint left it (at start-up, before any event is delivered);
     * returns whether it is still running. See {@link FederationEngine#restore}.
     */
    boolean restore(JobCheckpoint checkpoint, Map<Integer, ClientUpdate> accepted, List<ClientUpdate> asyncBuffer,
                    String unreadable) {
        FederationEngine.Restored restored = engine.restore(checkpoint, accepted, asyncBuffer, unreadable);
        JobState job = restored.job();
        synchronized (job) {
            if (!jobs.register(job)) {
                return false;
            }
            apply(job, restored.outcome().decisions());
            if (restored.outcome().changed()) {
                save(job);
            }
            return restored.running();
        }
    }

    private void handle(String jobId, Input input) {
        JobState job = jobs.find(jobId).orElseThrow(() -> new InputRejectedException(
                "unknown job " + jobId));
        synchronized (job) {
            FederationEngine.Outcome outcome = engine.handle(job, input);
            apply(job, outcome.decisions());
            if (outcome.changed()) {
                save(job);
            }
            if (outcome.rejection() != null) {
                throw outcome.rejection();
            }
        }
    }

    /**
     * Checkpoints the job; a checkpoint the broker refuses for good fails the job (announced with
     * the reason) rather than retrying forever under the job's lock. Its last written checkpoint is
     * then replaced by a tombstone, so a restart does not resume what was given up.
     */
    private void save(JobState job) {
        try {
            checkpoints.save(job);
        } catch (CheckpointUnwritableException e) {
            LOG.errorf("job %s: %s; the job fails", job.jobId(), e.getMessage());
            apply(job, engine.abandon(job, e.getMessage()).decisions());
            checkpoints.forget(job.jobId());
        }
    }

    /** Publishes the engine's decisions in order, and counts them in the service's meters. */
    private void apply(JobState job, List<Decision> decisions) {
        String algorithm = job.spec().getAlgorithm();
        for (Decision decision : decisions) {
            Instant now = Instant.now();
            if (decision instanceof Decision.SendTasks send) {
                for (ClientTask task : Events.clientTasks(job, send, now)) {
                    // Explicit partitions (client id modulo partitions) spread a round's clients over the worker group.
                    publisher.clientTask(task, Math.floorMod(task.getClientId(), taskPartitions));
                }
            } else if (decision instanceof Decision.PublishGlobal global) {
                metrics.roundCompleted(algorithm, global.metrics().getRoundMs(), global.metrics().getAggregationMs(),
                        global.metrics().getGlobalValidationAccuracy());
                publisher.globalModel(Events.globalModel(job, global, now));
            } else if (decision instanceof Decision.PublishPersonalized personalized) {
                publisher.personalizedModel(Events.personalizedModel(job, personalized, now));
            } else if (decision instanceof Decision.Complete complete) {
                publisher.searchCompleted(Events.searchCompleted(job, complete, now));
            } else if (decision instanceof Decision.UpdateCounted counted) {
                metrics.clientUpdate(algorithm, counted.metrics());
            } else if (decision instanceof Decision.UpdateIgnored ignored) {
                metrics.updateIgnored(ignored.reason());
            } else if (decision instanceof Decision.RoundRetried) {
                metrics.roundRetried();
            } else if (decision instanceof Decision.TaskReissued) {
                metrics.asyncTaskReissued();
            }
        }
    }
}
