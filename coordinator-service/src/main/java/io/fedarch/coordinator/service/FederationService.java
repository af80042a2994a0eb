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

    @Inject
    CoordinatorRoundCosts roundCosts;

    /**
     * How long encoding and committing one input's effects took, for the round breakdown, and when
     * (System.nanoTime) the first of its transactions committed: a round's close, when it was split
     * from the next round's tasks.
     */
    private record CommitCost(long encodeNanos, long commitNanos, long firstCommittedAt) {
        static CommitCost none() {
            return new CommitCost(0, 0, System.nanoTime());
        }

        CommitCost then(CommitCost next) {
            return new CommitCost(encodeNanos + next.encodeNanos, commitNanos + next.commitNanos, firstCommittedAt);
        }
    }

    @ConfigProperty(name = "fedarch.topics.client-tasks.partitions", defaultValue = "8")
    int taskPartitions;

    @Inject
    FederationEngine engine;

    /**
     * Whether rounds are placed onto the workers by measured task time (TaskPlacement); false keeps
     * client c on partition c mod P, for comparing the two side by side.
     */
    @ConfigProperty(name = "fedarch.coordinator.balance-tasks", defaultValue = "true")
    boolean balanceTasks;

    /**
     * Whether a round's close commits before the next round's tasks, in a transaction of its own
     * (see {@link #commit}); false commits both in one, as before issue 19, for comparing the two.
     */
    @ConfigProperty(name = "fedarch.coordinator.close-before-tasks", defaultValue = "true")
    boolean closeBeforeTasks;

    /** Which task partition (so which worker) each client of a round goes to. */
    private TaskPlacement placement;

    @jakarta.annotation.PostConstruct
    void createPlacement() {
        placement = new TaskPlacement(taskPartitions, balanceTasks);
    }

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
        long engineStart = System.nanoTime();
        FederationEngine.Started started = engine.submit(event.getJobId(), event.getSpec(), event.getInitialModel());
        long engineNanos = System.nanoTime() - engineStart;
        JobState job = started.job();
        synchronized (job) {
            if (!jobs.register(job)) {
                return;
            }
            CommitCost cost = commit(job, started.decisions(), true, consumed);
            recordCosts(job, started.decisions(), engineNanos, cost, false);
        }
    }

    public void requestRound(RoundStartRequested request, Consumed consumed) {
        handle(request.getJobId(), new Input.RoundStartRequest(request.getEventId(), request.getRound()), consumed);
    }

    public void receive(ClientUpdate update, UpdateOrigin origin, Consumed consumed) {
        long verifyStart = System.nanoTime();
        authentication.check(update);
        roundCosts.verified(update.getJobId(), System.nanoTime() - verifyStart);
        placement.answered(update);
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
                    long engineStart = System.nanoTime();
                    FederationEngine.Outcome outcome = engine.handle(job, new Input.Tick(now));
                    long engineNanos = System.nanoTime() - engineStart;
                    if (outcome.changed() || !outcome.decisions().isEmpty()) {
                        CommitCost cost = commit(job, outcome.decisions(), outcome.changed(), null);
                        recordCosts(job, outcome.decisions(), engineNanos, cost, false);
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
    boolean restore(JobCheckpoint checkpoint, FederationEngine.UpdateReader openRound, List<ClientUpdate> asyncBuffer,
                    String unreadable) {
        FederationEngine.Restored restored = engine.restore(checkpoint, openRound, asyncBuffer, unreadable);
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
        long start = System.nanoTime();
        JobState job = jobs.find(jobId).orElseThrow(() -> new InputRejectedException(
                "unknown job " + jobId));
        synchronized (job) {
            long engineStart = System.nanoTime();
            FederationEngine.Outcome outcome = engine.handle(job, input);
            long engineNanos = System.nanoTime() - engineStart;
            if (outcome.rejection() != null) {
                // Its effects commit now; its offset is committed by the partition's next handled input.
                if (outcome.changed() || !outcome.decisions().isEmpty()) {
                    commit(job, outcome.decisions(), outcome.changed(), null);
                }
                throw outcome.rejection();
            }
            CommitCost cost = commit(job, outcome.decisions(), outcome.changed(), consumed);
            recordCosts(job, outcome.decisions(), engineNanos, cost, input instanceof Input.Update);
            if (input instanceof Input.Update
                    && outcome.decisions().stream().anyMatch(Decision.PublishGlobal.class::isInstance)) {
                metrics.roundClosedByUpdate(job.spec().getAlgorithm(), cost.firstCommittedAt() - start);
            }
        }
    }

    /** Remembers what opening a round cost (for its breakdown), or what an update input's commit cost. */
    private void recordCosts(JobState job, List<Decision> decisions, long engineNanos, CommitCost cost,
                             boolean updateInput) {
        boolean opened = false;
        for (Decision decision : decisions) {
            if (decision instanceof Decision.SendTasks send && send.attempt() == 0) {
                roundCosts.opened(job.jobId(), send.round(), engineNanos, cost.encodeNanos(), cost.commitNanos());
                opened = true;
            } else if (decision instanceof Decision.Complete) {
                roundCosts.forget(job.jobId());
                placement.forget(job.jobId());
                return;
            }
        }
        if (!opened && updateInput) {
            roundCosts.committed(job.jobId(), cost.commitNanos());
        }
    }

    /**
     * Commits the decisions' events, the job's checkpoint (when {@code checkpoint}) and the input's
     * offset in one transaction ({@link TransactionalCommit}), then counts them. A checkpoint the
     * broker can never take fails the job instead (announced with the reason), and a tombstone
     * replaces its checkpoints, so a restart does not resume what was given up.
     */
    private CommitCost commit(JobState job, List<Decision> decisions, boolean checkpoint, Consumed consumed) {
        if (!closeBeforeTasks || !closesAndOpens(job, decisions, checkpoint)) {
            return commitOnce(job, decisions, checkpoint, consumed);
        }
        // The round's close first, without the next round's tasks: at 100 clients of a 1 M-parameter model
        // those are 400 MB, and the global model (what downstream systems wait for) would wait for all of
        // them. Its checkpoint says the tasks are still to come, so a restart in between publishes them.
        List<Decision> tasks = decisions.stream().filter(Decision.SendTasks.class::isInstance).toList();
        List<Decision> close = decisions.stream().filter(d -> !(d instanceof Decision.SendTasks)).toList();
        job.deferRoundTasks(true);
        CommitCost closing = commitOnce(job, close, true, consumed);
        job.deferRoundTasks(false);
        if (job.phase().finished()) {
            return closing;  // the close could not be committed and the job failed with the reason
        }
        return closing.then(commitOnce(job, tasks, true, null));
    }

    /**
     * Whether a synchronous job's decisions close a round and open the next one (the two are
     * committed one after the other, see {@link #commit}); FedBuff's versions and tasks stay together.
     */
    private static boolean closesAndOpens(JobState job, List<Decision> decisions, boolean checkpoint) {
        return job != null && checkpoint && job.spec().getAsyncAggregation() == null
                && decisions.stream().anyMatch(Decision.PublishGlobal.class::isInstance)
                && decisions.stream().anyMatch(d -> d instanceof Decision.SendTasks send && send.attempt() == 0);
    }

    /** One transaction: the decisions' events, the checkpoint when asked and the input's offset. */
    private CommitCost commitOnce(JobState job, List<Decision> decisions, boolean checkpoint, Consumed consumed) {
        long encodeStart = System.nanoTime();
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        if (job != null) {
            records.addAll(records(job, decisions));
        }
        long encodeNanos;
        long commitStart;
        try {
            if (checkpoint) {
                records.add(checkpoints.record(job));
            }
            commitStart = System.nanoTime();
            encodeNanos = commitStart - encodeStart;
            transaction.commit(records, consumed);
        } catch (CheckpointUnwritableException e) {
            LOG.errorf("job %s: %s; the job fails", job.jobId(), e.getMessage());
            List<Decision> failed = engine.abandon(job, e.getMessage()).decisions();
            List<ProducerRecord<String, byte[]>> failure = new ArrayList<>(records(job, failed));
            failure.add(checkpoints.tombstone(job.jobId()));
            transaction.commit(failure, consumed);
            count(job, failed);
            return CommitCost.none();
        }
        long committedAt = System.nanoTime();
        if (job != null) {
            count(job, decisions);
        }
        return new CommitCost(encodeNanos, committedAt - commitStart, committedAt);
    }

    /** The events the decisions publish, in order, as records of the transaction. */
    private List<ProducerRecord<String, byte[]>> records(JobState job, List<Decision> decisions) {
        List<ProducerRecord<String, byte[]>> out = new ArrayList<>();
        for (Decision decision : decisions) {
            Instant now = Instant.now();
            if (decision instanceof Decision.SendTasks send) {
                // Explicit partitions spread a round's clients over the worker group (TaskPlacement).
                Map<String, Integer> partitions = placement.place(job.jobId(), send.tasks().stream()
                        .map(t -> new TaskPlacement.Order(t.eventId(), t.clientId())).toList());
                for (ClientTask task : Events.clientTasks(job, send, now)) {
                    out.add(new ProducerRecord<>(Topics.CLIENT_TASKS, partitions.get(task.getEventId()),
                            task.getJobId() + "/" + task.getClientId(), EventCodec.encode(task)));
                }
            } else if (decision instanceof Decision.PublishGlobal global) {
                // The coordinator's part of the round's time breakdown, next to the workers' (RoundTimeBreakdown).
                Map<String, Double> costs = roundCosts.of(job.jobId(), global.round());
                if (!costs.isEmpty()) {
                    Map<String, Double> custom = new java.util.HashMap<>(global.metrics().getCustom());
                    custom.putAll(costs);
                    global.metrics().setCustom(custom);
                }
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
