package io.fedarch.coordinator.service;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.fedarch.coordinator.messaging.EventPublisher;
import io.fedarch.coordinator.metrics.CoordinatorMetrics;
import io.fedarch.core.darts.OperationMask;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.strategy.ClientResult;
import io.fedarch.core.strategy.Personalization;
import io.fedarch.core.strategy.PrunesBetweenRounds;
import io.fedarch.core.strategy.RoundPlan;
import io.fedarch.core.strategy.Strategy;
import io.fedarch.core.strategy.StrategyRegistry;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.events.ArchitectureMask;
import io.fedarch.events.ClientMetrics;
import io.fedarch.events.ClientTask;
import io.fedarch.events.ClientUpdate;
import io.fedarch.events.GlobalModel;
import io.fedarch.events.JobSpec;
import io.fedarch.events.JobSubmitted;
import io.fedarch.events.ModelState;
import io.fedarch.events.PersonalizedModel;
import io.fedarch.events.RoundMetrics;
import io.fedarch.events.RoundPacing;
import io.fedarch.events.RoundStartRequested;
import io.fedarch.events.SearchCompleted;
import io.fedarch.events.SearchStatus;

/**
 * The federation loop: accept a job, start rounds, collect updates until every selected client
 * reported or the deadline passed with a quorum, aggregate through the job's strategy, publish
 * the global model, repeat; then, when the job asks for it, a personalization stage (every client
 * adapts the final model locally; each adapted model is published as a PersonalizedModel), and
 * finally search completed. Each job's events are handled under that job's lock; different jobs
 * never wait for each other.
 */
@ApplicationScoped
public class FederationService {
    private static final Logger LOG = Logger.getLogger(FederationService.class);

    private final StrategyRegistry strategies = StrategyRegistry.builtIn();

    @Inject
    JobRegistry jobs;

    @Inject
    EventPublisher publisher;

    @Inject
    CoordinatorMetrics metrics;

    @ConfigProperty(name = "fedarch.topics.client-tasks.partitions", defaultValue = "8")
    int taskPartitions;

    @ConfigProperty(name = "fedarch.topics.max-message-bytes", defaultValue = "67108864")
    int maxMessageBytes;

    /** How long a soft-pruning job waits for the pruning service's mask before it goes on with the current one. */
    @ConfigProperty(name = "fedarch.coordinator.mask-wait", defaultValue = "PT2M")
    java.time.Duration maskWait;

    /** Room for everything in a task besides the tensors: ids, the job spec, the round config. */
    private static final int TASK_ENVELOPE_BYTES = 256 * 1024;

    /** Checks a spec the way an incoming job will be checked, so REST callers get the error at once. */
    public Strategy validate(JobSpec spec) {
        Strategy strategy;
        try {
            strategy = strategies.get(spec.getAlgorithm());
            strategy.validate(spec);
        } catch (IllegalArgumentException e) {
            throw new EventRejectedException("invalid job: " + e.getMessage(), e);
        }
        if (spec.getQuorum() > spec.getClientsPerRound()) {
            throw new EventRejectedException("invalid job: quorum " + spec.getQuorum()
                    + " exceeds clientsPerRound " + spec.getClientsPerRound());
        }
        if (spec.getRoundDeadlineMs() <= 0) {
            throw new EventRejectedException("invalid job: roundDeadlineMs must be positive");
        }
        return strategy;
    }

    /** Accepts a job once; a second JobSubmitted with the same job id is ignored. */
    public void submit(JobSubmitted event) {
        if (jobs.contains(event.getJobId())) {
            LOG.infof("job %s already known; duplicate submission %s ignored", event.getJobId(), event.getEventId());
            return;
        }
        Strategy strategy = validate(event.getSpec());
        JobRun run = new JobRun(event.getJobId(), event.getSpec(), strategy, initialModel(event, strategy));
        if (strategy instanceof PrunesBetweenRounds pruning) {
            run.mask = pruning.initialMask(event.getSpec());
        }
        synchronized (run) {
            if (!jobs.register(run)) {
                return;
            }
            LOG.infof("job %s accepted: %s, %d rounds, %d of %d clients per round", run.jobId,
                    run.spec.getAlgorithm(), run.spec.getRounds(), run.spec.getClientsPerRound(),
                    run.spec.getTotalClients());
            if (run.spec.getPacing() == RoundPacing.EXTERNAL) {
                run.phase = JobPhase.WAITING_FOR_ROUND_START;
            } else {
                startRound(run, 1);
            }
        }
    }

    /** The strategy's seeded initialisation, or the job's own initial model once it is checked against it. */
    private static ModelParameters initialModel(JobSubmitted event, Strategy strategy) {
        ModelParameters initial = strategy.initialize(event.getSpec());
        if (event.getInitialModel() == null) {
            return initial;
        }
        ModelParameters given;
        try {
            given = TensorCodec.fromAvro(event.getInitialModel());
            initial.requireCompatible(given);
        } catch (IllegalArgumentException e) {
            throw new EventRejectedException("invalid job: its initial model does not fit the job's model: "
                    + e.getMessage(), e);
        }
        String nonFinite = given.firstNonFinite();
        if (nonFinite != null) {
            throw new EventRejectedException("invalid job: its initial model has NaN or infinite values in '"
                    + nonFinite + "'");
        }
        return given;
    }

    public void requestRound(RoundStartRequested request) {
        JobRun run = known(request.getJobId());
        synchronized (run) {
            if (run.spec.getPacing() != RoundPacing.EXTERNAL) {
                throw new EventRejectedException("job " + run.jobId + " paces its own rounds (pacing AUTOMATIC)");
            }
            if (run.phase == JobPhase.WAITING_FOR_MASK && !run.roundStartPending) {
                // Valid: it starts as soon as the pruning service's mask is in.
                run.roundStartPending = true;
                LOG.infof("job %s: round start requested; it starts when the mask after round %d arrives", run.jobId,
                        run.completedRounds);
                return;
            }
            if (run.phase != JobPhase.WAITING_FOR_ROUND_START) {
                throw new EventRejectedException("job " + run.jobId + " is " + run.phase
                        + (run.openRound != null ? " (round " + run.openRound.round + ")" : ""));
            }
            int next = run.completedRounds + 1;
            if (request.getRound() != null && request.getRound() != next) {
                throw new EventRejectedException("round " + request.getRound() + " requested but job "
                        + run.jobId + " is at round " + next);
            }
            startRound(run, next);
        }
    }

    public void receive(ClientUpdate update) {
        JobRun run = known(update.getJobId());
        synchronized (run) {
            RoundState round = run.openRound;
            if (run.phase.finished()) {
                throw new EventRejectedException("job " + run.jobId + " already " + run.phase);
            }
            if (round == null || round.round != update.getRound()) {
                throw new EventRejectedException("stale update for round " + update.getRound() + " of job "
                        + run.jobId + (round == null ? "; no round is open" : "; round " + round.round + " is open"));
            }
            if (!round.selected(update.getClientId())) {
                throw new EventRejectedException("client " + update.getClientId() + " was not selected for round "
                        + round.round + " of job " + run.jobId);
            }
            if (round.updates.containsKey(update.getClientId())) {
                LOG.debugf("duplicate update of client %d for round %d of job %s ignored", update.getClientId(),
                        round.round, run.jobId);
                return;
            }
            if (update.getSampleCount() <= 0) {
                throw new EventRejectedException("update of client " + update.getClientId() + " has sampleCount "
                        + update.getSampleCount() + "; it must be positive to weigh the average");
            }
            ModelParameters parameters = decode(update.getModelState(), run, update.getClientId());
            if (run.phase == JobPhase.PERSONALIZING) {
                acceptPersonalized(run, update);
                return;
            }
            ClientResult result = new ClientResult(update.getClientId(), update.getSampleCount(), parameters,
                    Map.copyOf(update.getMetrics().getCustom()));
            round.updates.put(update.getClientId(), new ReceivedUpdate(result, update.getMetrics(), update.getWorkerId()));
            metrics.clientUpdate(run.spec.getAlgorithm(), update.getMetrics());
            LOG.infof("job %s round %d: update %d/%d from client %d (worker %s, %d ms compute)", run.jobId,
                    round.round, round.updates.size(), round.plan.clients().size(), update.getClientId(),
                    update.getWorkerId(), update.getMetrics().getComputeMs());
            if (round.complete()) {
                closeRound(run);
            }
        }
    }

    /**
     * The pruning service's mask for the round after {@code mask.round}: checked against the job's
     * model and the round the job waits for, then the next round starts in it.
     */
    public void receiveMask(ArchitectureMask mask) {
        JobRun run = known(mask.getJobId());
        synchronized (run) {
            if (!(run.strategy instanceof PrunesBetweenRounds)) {
                throw new EventRejectedException("job " + run.jobId + " (" + run.spec.getAlgorithm()
                        + ") does not prune between rounds");
            }
            if (mask.getRound() >= run.spec.getRounds() && mask.getRound() == run.completedRounds) {
                // The pruning service masks every round; after the last one there is no round to search in.
                LOG.debugf("job %s: mask after the last round %d noted; no round follows", run.jobId, mask.getRound());
                return;
            }
            if (run.phase != JobPhase.WAITING_FOR_MASK || mask.getRound() != run.completedRounds) {
                throw new EventRejectedException("mask after round " + mask.getRound() + " of job " + run.jobId
                        + " is not awaited (job " + run.phase + ", " + run.completedRounds + " rounds completed)");
            }
            OperationMask next;
            try {
                next = OperationMask.fromAvro(mask.getMask())
                        .requireFits(ModelFactory.dartsOptions(run.spec.getModel()));
            } catch (IllegalArgumentException e) {
                throw new EventRejectedException("mask after round " + mask.getRound() + " of job " + run.jobId
                        + " does not fit its model: " + e.getMessage(), e);
            }
            run.mask = next;
            LOG.infof("job %s: mask after round %d: %d of %d operations active", run.jobId, mask.getRound(),
                    next.activeOperations(), next.totalOperations());
            afterMask(run);
        }
    }

    private void afterMask(JobRun run) {
        run.maskDeadline = null;
        if (run.spec.getPacing() == RoundPacing.EXTERNAL && !run.roundStartPending) {
            run.phase = JobPhase.WAITING_FOR_ROUND_START;
            return;
        }
        run.roundStartPending = false;
        startRound(run, run.completedRounds + 1);
    }

    /** Closes rounds whose deadline passed: with the updates received when they meet the quorum, else fails the job. */
    public void enforceDeadlines(Instant now) {
        for (JobRun run : jobs.all()) {
            synchronized (run) {
                if (run.phase == JobPhase.WAITING_FOR_MASK && run.maskDeadline != null && now.isAfter(run.maskDeadline)) {
                    // The pruning service is late or down: the search goes on in the current space rather than stalling.
                    LOG.warnf("job %s: no mask after round %d within %s; round %d searches in the current mask",
                            run.jobId, run.completedRounds, maskWait, run.completedRounds + 1);
                    afterMask(run);
                    continue;
                }
                RoundState round = run.openRound;
                if (round == null || now.isBefore(round.deadline)) {
                    continue;
                }
                if (run.phase == JobPhase.PERSONALIZING) {
                    // The global model is final already: personalization that misses the deadline costs
                    // only those clients' personalized models, never the job.
                    LOG.warnf("job %s personalization: deadline passed with %d of %d clients; finishing with those",
                            run.jobId, round.updates.size(), round.plan.clients().size());
                    succeed(run);
                    continue;
                }
                if (run.phase != JobPhase.ROUND_RUNNING) {
                    continue;
                }
                int selected = round.plan.clients().size();
                int quorum = run.spec.getQuorum() > 0 ? run.spec.getQuorum() : selected;
                if (round.updates.size() >= quorum && !round.updates.isEmpty()) {
                    LOG.warnf("job %s round %d: deadline passed with %d of %d updates (quorum %d); aggregating those",
                            run.jobId, round.round, round.updates.size(), selected, quorum);
                    closeRound(run);
                } else {
                    fail(run, "round " + round.round + ": only " + round.updates.size() + " of " + selected
                            + " clients reported by the deadline (quorum " + quorum + ")");
                }
            }
        }
    }

    private JobRun known(String jobId) {
        return jobs.find(jobId).orElseThrow(() -> new EventRejectedException("unknown job " + jobId));
    }

    private ModelParameters decode(ModelState state, JobRun run, int clientId) {
        ModelParameters parameters;
        try {
            parameters = TensorCodec.fromAvro(state);
            run.global.requireCompatible(parameters);
        } catch (IllegalArgumentException e) {
            throw new EventRejectedException("update of client " + clientId + " does not fit the model of job "
                    + run.jobId + ": " + e.getMessage(), e);
        }
        String nonFinite = parameters.firstNonFinite();
        if (nonFinite != null) {
            throw new EventRejectedException("update of client " + clientId + " has NaN or infinite values in '"
                    + nonFinite + "'");
        }
        return parameters;
    }

    private void startRound(JobRun run, int round) {
        RoundPlan plan = run.strategy.configureRound(run.spec, round, run.global);
        run.phase = JobPhase.ROUND_RUNNING;
        publishTasks(run, round, plan);
    }

    /** After the last round: every client adapts the final global model (the round after the last one). */
    private void startPersonalization(JobRun run) {
        RoundPlan plan = run.strategy.configurePersonalization(run.spec, run.global);
        run.phase = JobPhase.PERSONALIZING;
        LOG.infof("job %s: personalization stage, %d clients adapt the final model for %d epochs", run.jobId,
                plan.clients().size(), run.spec.getPersonalizationEpochs());
        publishTasks(run, run.spec.getRounds() + 1, plan);
    }

    private void publishTasks(JobRun run, int round, RoundPlan plan) {
        Instant now = Instant.now();
        Instant deadline = now.plusMillis(run.spec.getRoundDeadlineMs());
        run.openRound = new RoundState(round, plan, deadline);
        // Encode once: every task of the round carries the same global state.
        ModelState global = TensorCodec.toAvro(run.global, run.spec.getTensorDType());
        long modelBytes = TensorCodec.encodedBytes(global);
        if (modelBytes + TASK_ENVELOPE_BYTES > maxMessageBytes) {
            // Kafka would refuse every task; fail now with the reason instead of at the deadline.
            fail(run, "the model state is " + modelBytes + " bytes, more than the " + maxMessageBytes
                    + "-byte message limit allows (fedarch.topics.max-message-bytes); use a smaller model or tensorDType FP16");
            return;
        }
        for (int client : plan.clients()) {
            ClientTask task = ClientTask.newBuilder()
                    .setEventId(UUID.randomUUID().toString())
                    .setJobId(run.jobId)
                    .setTimestamp(now)
                    .setRound(round)
                    .setClientId(client)
                    .setModelVersion(run.modelVersion)
                    .setDeadline(deadline)
                    .setSpec(run.spec)
                    .setRoundConfig(plan.roundConfig())
                    .setGlobalModel(global)
                    .setSearchMask(run.mask == null ? null : run.mask.toAvro())
                    .build();
            publisher.clientTask(task, Math.floorMod(client, taskPartitions));
        }
        if (run.openRound == null) {
            return; // failed above
        }
        LOG.infof("job %s round %d/%d started: clients %s, deadline %s", run.jobId, round, run.spec.getRounds(),
                plan.clients(), deadline);
    }

    private void closeRound(JobRun run) {
        RoundState round = run.openRound;
        List<ClientResult> results = new ArrayList<>();
        round.updates.values().forEach(u -> results.add(u.result()));

        long aggregationStart = System.nanoTime();
        run.global = run.strategy.aggregate(run.spec, round.round, run.global, results);
        long aggregationMs = (System.nanoTime() - aggregationStart) / 1_000_000;
        long roundMs = (System.nanoTime() - round.startedNanos) / 1_000_000;

        run.modelVersion = round.round;
        run.completedRounds = round.round;
        run.openRound = null;
        RoundMetrics roundMetrics = RoundSummary.of(round, aggregationMs, roundMs);
        run.lastRoundMetrics = roundMetrics;
        metrics.roundCompleted(run.spec.getAlgorithm(), roundMs, aggregationMs);

        publisher.globalModel(GlobalModel.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setJobId(run.jobId)
                .setTimestamp(Instant.now())
                .setRound(round.round)
                .setTotalRounds(run.spec.getRounds())
                .setModelVersion(run.modelVersion)
                .setAlgorithm(run.spec.getAlgorithm())
                .setParticipants(new ArrayList<>(round.updates.keySet()))
                .setModelState(TensorCodec.toAvro(run.global, run.spec.getTensorDType()))
                .setMetrics(roundMetrics)
                .setSearchMask(run.mask == null ? null : run.mask.toAvro())
                .setSpec(run.spec)
                .build());
        LOG.infof("job %s round %d/%d closed: %d/%d clients, global val acc %.4f, local val acc %.4f, %d ms",
                run.jobId, round.round, run.spec.getRounds(), roundMetrics.getClientsReported(),
                roundMetrics.getClientsSelected(), roundMetrics.getGlobalValidationAccuracy(),
                roundMetrics.getValidationAccuracy(), roundMs);

        if (run.completedRounds >= run.spec.getRounds()) {
            if (run.spec.getPersonalizationEpochs() > 0) {
                startPersonalization(run);
            } else {
                succeed(run);
            }
        } else if (run.strategy instanceof PrunesBetweenRounds) {
            run.phase = JobPhase.WAITING_FOR_MASK;
            run.maskDeadline = Instant.now().plus(maskWait);
        } else if (run.spec.getPacing() == RoundPacing.EXTERNAL) {
            run.phase = JobPhase.WAITING_FOR_ROUND_START;
        } else {
            startRound(run, run.completedRounds + 1);
        }
    }

    /**
     * A personalization update: checked like any update, then published at once as the client's
     * PersonalizedModel (it is never averaged). The local test figures come from the client.
     */
    private void acceptPersonalized(JobRun run, ClientUpdate update) {
        RoundState round = run.openRound;
        Map<String, Double> custom = update.getMetrics().getCustom();
        Double accuracy = custom.get(Personalization.LOCAL_TEST_ACCURACY);
        Double loss = custom.get(Personalization.LOCAL_TEST_LOSS);
        Double samples = custom.get(Personalization.LOCAL_TEST_SAMPLES);
        if (accuracy == null || loss == null || samples == null) {
            throw new EventRejectedException("personalization update of client " + update.getClientId()
                    + " lacks its local test metrics (" + Personalization.LOCAL_TEST_ACCURACY + ", "
                    + Personalization.LOCAL_TEST_LOSS + ", " + Personalization.LOCAL_TEST_SAMPLES + ")");
        }
        publisher.personalizedModel(PersonalizedModel.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setJobId(run.jobId)
                .setTimestamp(Instant.now())
                .setClientId(update.getClientId())
                .setWorkerId(update.getWorkerId())
                .setBaseModelVersion(update.getBaseModelVersion())
                .setSpec(run.spec)
                .setModelState(update.getModelState())
                .setMetrics(update.getMetrics())
                .setLocalTestAccuracy(accuracy)
                .setLocalTestLoss(loss)
                .setLocalTestSamples(samples.intValue())
                .build());
        round.updates.put(update.getClientId(), new ReceivedUpdate(null, update.getMetrics(), update.getWorkerId()));
        LOG.infof("job %s personalization: client %d adapted (%d/%d), local test acc %.4f (global model %.4f)",
                run.jobId, update.getClientId(), round.updates.size(), round.plan.clients().size(), accuracy,
                custom.getOrDefault(Personalization.GLOBAL_LOCAL_TEST_ACCURACY, Double.NaN));
        if (round.complete()) {
            succeed(run);
        }
    }

    private void succeed(JobRun run) {
        List<Integer> personalized = run.phase == JobPhase.PERSONALIZING && run.openRound != null
                ? new ArrayList<>(run.openRound.updates.keySet()) : List.of();
        run.phase = JobPhase.SUCCEEDED;
        run.openRound = null;
        run.personalizedClients = personalized;
        publishCompletion(run, SearchStatus.SUCCEEDED, null);
    }

    private void fail(JobRun run, String reason) {
        LOG.errorf("job %s failed: %s", run.jobId, reason);
        run.phase = JobPhase.FAILED;
        run.failureReason = reason;
        run.openRound = null;
        publishCompletion(run, SearchStatus.FAILED, reason);
    }

    private void publishCompletion(JobRun run, SearchStatus status, String reason) {
        publisher.searchCompleted(SearchCompleted.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setJobId(run.jobId)
                .setTimestamp(Instant.now())
                .setStatus(status)
                .setReason(reason)
                .setSpec(run.spec)
                .setRoundsCompleted(run.completedRounds)
                .setModelVersion(run.modelVersion)
                .setFinalModel(status == SearchStatus.SUCCEEDED
                        ? TensorCodec.toAvro(run.global, run.spec.getTensorDType()) : null)
                .setSearchMs((System.nanoTime() - run.acceptedNanos) / 1_000_000)
                .setPersonalizedClients(run.personalizedClients)
                .setSearchMask(run.mask == null ? null : run.mask.toAvro())
                .build());
    }
}
