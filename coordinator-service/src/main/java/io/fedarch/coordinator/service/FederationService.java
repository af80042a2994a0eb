package io.fedarch.coordinator.service;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.fedarch.coordinator.mapping.Events;
import io.fedarch.coordinator.metrics.CoordinatorMetrics;
import io.fedarch.core.federation.Decision;
import io.fedarch.core.federation.FederationEngine;
import io.fedarch.core.federation.Input;
import io.fedarch.core.federation.InputRejectedException;
import io.fedarch.core.federation.JobState;
import io.fedarch.core.federation.UpdateOrigin;
import io.fedarch.core.strategy.Strategy;
import io.fedarch.events.ArchitectureMask;
import io.fedarch.events.ClientTask;
import io.fedarch.events.ClientUpdate;
import io.fedarch.events.JobCheckpoint;
import io.fedarch.events.JobSpec;
import io.fedarch.events.JobSubmitted;
import io.fedarch.events.RoundStartRequested;
import io.fedarch.events.wire.EventCodec;
import io.fedarch.events.wire.Topics;


/**
 * The coordinator's adapter around the {@link FederationEngine}, which holds the whole protocol
 * (rounds, quorum, retries, FedBuff, the between-rounds wait, personalization, completion). For each
 * event: find the job, lock it (events of one job are handled one at a time), let the engine decide,
 * and commit what it decided — the Avro events, the job's checkpoint ({@link CheckpointStore}) and
 * the event's offset — in one Kafka transaction ({@link TransactionalCommit}), so a restarted
 * coordinator resumes from Kafka ({@link JobRecovery}) with nothing lost or seen twice. A refused
 * event is rethrown after its effects are committed, and becomes a dead letter with the reason.
 */
@ApplicationScoped
public class FederationService {
    private static final Logger LOG = Logger.getLogger(FederationService.class);

    @Inject
    JobRegistry jobs;

    @Inject
    TransactionalCommit transaction;

    @Inject
    UpdateAuthentication authentication;

    @Inject
    CoordinatorMetrics metrics;

    @Inject
    CheckpointStore checkpoints;

    @ConfigProperty(name = "fedarch.topics.client-tasks.partitions", defaultValue = "8")
    int taskPartitions;

    @Inject
    FederationEngine engine;

    /** Checks a spec the way an incoming job will be checked, so REST callers get the error at once. */
    public Strategy validate(JobSpec spec) {
        return engine.validate(spec);
    }

    /** Accepts a job once; a second JobSubmitted with the same job id is ignored. */
    public void submit(JobSubmitted event, Consumed consumed) {
        if (jobs.contains(event.getJobId())) {
            LOG.infof("job %s already known; duplicate submission %s ignored", event.getJobId(), event.getEventId());
            commit(null, List.of(), false, consumed);
            return;
        }
        FederationEngine.Started started = engine.submit(event.getJobId(), event.getSpec(), event.getInitialModel());
        JobState job = started.job();
        synchronized (job) {
            if (!jobs.register(job)) {
                return;
            }
            commit(job, started.decisions(), true, consumed);
        }
    }

    public void requestRound(RoundStartRequested request, Consumed consumed) {
        handle(request.getJobId(), new Input.RoundStartRequest(request.getEventId(), request.getRound()), consumed);
    }

    public void receive(ClientUpdate update, UpdateOrigin origin, Consumed consumed) {
        authentication.check(update);
        handle(update.getJobId(), new Input.Update(update, origin), consumed);
    }

    public void receiveMask(ArchitectureMask mask, Consumed consumed) {
        handle(mask.getJobId(), new Input.BetweenRoundsResult(mask.getRound(), mask.getStrategyState()), consumed);
    }


    /** The clock: passed deadlines close, retry or fail rounds, reissue FedBuff tasks, end waits. */
    public void enforceDeadlines(Instant now) {
        for (JobState job : jobs.all()) {
            synchronized (job) {
                try {
                    FederationEngine.Outcome outcome = engine.handle(job, new Input.Tick(now));
                    if (outcome.changed() || !outcome.decisions().isEmpty()) {
                        commit(job, outcome.decisions(), outcome.changed(), null);
                    }
                } catch (CoordinatorFencedException e) {
                    throw e;
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
            if (restored.outcome().changed() || !restored.outcome().decisions().isEmpty()) {
                commit(job, restored.outcome().decisions(), restored.outcome().changed(), null);
            }
            return restored.running();
        }
    }

    private void handle(String jobId, Input input, Consumed consumed) {
        JobState job = jobs.find(jobId).orElseThrow(() -> new InputRejectedException(
                "unknown job " + jobId));
        synchronized (job) {
            FederationEngine.Outcome outcome = engine.handle(job, input);
            if (outcome.rejection() != null) {
                // Its effects commit now; its offset is committed by the partition's next handled input.
                if (outcome.changed() || !outcome.decisions().isEmpty()) {
                    commit(job, outcome.decisions(), outcome.changed(), null);
                }
                throw outcome.rejection();
            }
            commit(job, outcome.decisions(), outcome.changed(), consumed);
        }
    }

    /**
     * Commits the decisions' events, the job's checkpoint (when {@code checkpoint}) and the input's
     * offset in one transaction ({@link TransactionalCommit}), then counts them. A checkpoint the
     * broker can never take fails the job instead (announced with the reason), and a tombstone
     * replaces its checkpoints, so a restart does not resume what was given up.
     */
    private void commit(JobState job, List<Decision> decisions, boolean checkpoint, Consumed consumed) {
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        if (job != null) {
            records.addAll(records(job, decisions));
        }
        try {
            if (checkpoint) {
                records.add(checkpoints.record(job));
            }
            transaction.commit(records, consumed);
        } catch (CheckpointUnwritableException e) {
            LOG.errorf("job %s: %s; the job fails", job.jobId(), e.getMessage());
            List<Decision> failed = engine.abandon(job, e.getMessage()).decisions();
            List<ProducerRecord<String, byte[]>> failure = new ArrayList<>(records(job, failed));
            failure.add(checkpoints.tombstone(job.jobId()));
            transaction.commit(failure, consumed);
            count(job, failed);
            return;
        }
        if (job != null) {
            count(job, decisions);
        }
    }

    /** The events the decisions publish, in order, as records of the transaction. */
    private List<ProducerRecord<String, byte[]>> records(JobState job, List<Decision> decisions) {
        List<ProducerRecord<String, byte[]>> out = new ArrayList<>();
        for (Decision decision : decisions) {
            Instant now = Instant.now();
            if (decision instanceof Decision.SendTasks send) {
                for (ClientTask task : Events.clientTasks(job, send, now)) {
                    // Explicit partitions (client id modulo partitions) spread a round's clients over the worker group.
                    out.add(new ProducerRecord<>(Topics.CLIENT_TASKS, Math.floorMod(task.getClientId(), taskPartitions),
                            task.getJobId() + "/" + task.getClientId(), EventCodec.encode(task)));
                }
            } else if (decision instanceof Decision.PublishGlobal global) {
                out.add(new ProducerRecord<>(Topics.GLOBAL_MODELS, job.jobId(),
                        EventCodec.encode(Events.globalModel(job, global, now))));
            } else if (decision instanceof Decision.PublishPersonalized personalized) {
                out.add(new ProducerRecord<>(Topics.PERSONALIZED_MODELS,
                        job.jobId() + "/" + personalized.update().getClientId(),
                        EventCodec.encode(Events.personalizedModel(job, personalized, now))));
            } else if (decision instanceof Decision.Complete complete) {
                out.add(new ProducerRecord<>(Topics.SEARCH_COMPLETIONS, job.jobId(),
                        EventCodec.encode(Events.searchCompleted(job, complete, now))));
            }
        }
        return out;
    }

    /** Counts the committed decisions in the service's meters. */
    private void count(JobState job, List<Decision> decisions) {
        String algorithm = job.spec().getAlgorithm();
        for (Decision decision : decisions) {
            if (decision instanceof Decision.PublishGlobal global) {
                metrics.roundCompleted(algorithm, global.metrics().getRoundMs(), global.metrics().getAggregationMs(),
                        global.metrics().getGlobalValidationAccuracy());
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
