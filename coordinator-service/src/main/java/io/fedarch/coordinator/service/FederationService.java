package io.fedarch.coordinator.service;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
import io.fedarch.events.JobCheckpoint;
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
 *
 * <p>Every change of a job is checkpointed ({@link CheckpointStore}) before the event that caused
 * it is acknowledged, so a restarted coordinator resumes from Kafka ({@link JobRecovery}). Events
 * are therefore handled idempotently: a redelivered job, update, mask or round-start request is
 * recognised and changes nothing, and the events the coordinator publishes carry ids derived from
 * what they are (job, round, attempt, client), so a re-published copy has the id of the original.
 * A round that misses its deadline without a quorum is retried with replacement clients up to the
 * job's maxRoundAttempts, then the job fails with the reason.
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

    @Inject
    CheckpointStore checkpoints;

    /** Trains the jobs with asyncAggregation (FedBuff); see the "async hook" comments below. */
    @Inject
    AsyncAggregationDriver asyncDriver;

    @ConfigProperty(name = "fedarch.topics.client-tasks.partitions", defaultValue = "8")
    int taskPartitions;

    @ConfigProperty(name = "fedarch.topics.max-message-bytes", defaultValue = "67108864")
    int maxMessageBytes;

    /** How long a soft-pruning job waits for the pruning service's mask before it goes on with the current one. */
    @ConfigProperty(name = "fedarch.coordinator.mask-wait", defaultValue = "PT2M")
    java.time.Duration maskWait;

    /** A resumed round gets at least this long (capped at its job's round deadline) to drain the updates that queued up. */
    @ConfigProperty(name = "fedarch.coordinator.resume-grace", defaultValue = "PT30S")
    Duration resumeGrace;

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
        if (spec.getMaxRoundAttempts() < 1) {
            throw new EventRejectedException("invalid job: maxRoundAttempts is " + spec.getMaxRoundAttempts()
                    + "; it must be at least 1 (1 = fail at the first missed deadline)");
        }
        if (spec.getAsyncAggregation() != null) {
            AsyncAggregationDriver.validate(spec, strategy); // async hook: its settings
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
        JobRun run = new JobRun(event.getJobId(), event.getSpec(), strategy, initialModel(event, strategy),
                Instant.now());
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
            if (run.spec.getAsyncAggregation() != null) {
                asyncDriver.start(run); // async hook: training without rounds
            } else if (run.spec.getPacing() == RoundPacing.EXTERNAL) {
                run.phase = JobPhase.WAITING_FOR_ROUND_START;
            } else {
                startRound(run, 1);
            }
            checkpoints.save(run);
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
            if (!run.firstTimeHandled(request.getEventId())) {
                LOG.infof("job %s: round start request %s handled before; this copy is ignored", run.jobId,
                        request.getEventId());
                return;
            }
            try {
                startRequestedRound(run, request);
            } finally {
                // Even a refused request is remembered, so its redelivered copy is recognised, not refused again.
                checkpoints.save(run);
            }
        }
    }

    private void startRequestedRound(JobRun run, RoundStartRequested request) {
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

    /**
     * A client's update. Counted once per client and round, whatever the number of copies: a
     * duplicate or a late update for a round that has closed is ignored (it arrives normally after
     * a redelivery, a retried task or a restart); an update for a round that never was is refused.
     */
    public void receive(ClientUpdate update, UpdateOrigin origin) {
        JobRun run = known(update.getJobId());
        synchronized (run) {
            if (run.async != null && run.phase == JobPhase.ROUND_RUNNING) {
                // async hook: training updates of an async job; its personalization stage is synchronous (below).
                if (asyncDriver.receive(run, update, origin)) {
                    afterLastRound(run);
                }
                checkpoints.save(run);
                return;
            }
            RoundState round = run.openRound;
            int lastRound = run.spec.getRounds() + (run.spec.getPersonalizationEpochs() > 0 ? 1 : 0);
            boolean pastRound = update.getRound() >= 1 && update.getRound() <= lastRound
                    && (round == null ? update.getRound() <= run.completedRounds + (run.phase.finished() ? 1 : 0)
                    : update.getRound() < round.round);
            if (pastRound) {
                LOG.infof("job %s: update of client %d for the closed round %d ignored (job %s)", run.jobId,
                        update.getClientId(), update.getRound(), run.phase);
                metrics.updateIgnored("past round");
                return;
            }
            if (run.phase.finished()) {
                throw new EventRejectedException("job " + run.jobId + " already " + run.phase + "; it has no round "
                        + update.getRound());
            }
            if (round == null || round.round != update.getRound()) {
                throw new EventRejectedException("update for round " + update.getRound() + " of job " + run.jobId
                        + (round == null ? ", but no round is open (" + run.completedRounds + " completed)"
                        : ", but round " + round.round + " is open"));
            }
            if (!round.selected(update.getClientId())) {
                throw new EventRejectedException("client " + update.getClientId() + " was not selected for round "
                        + round.round + " of job " + run.jobId);
            }
            if (round.updates.containsKey(update.getClientId())) {
                LOG.infof("job %s round %d: client %d reported already; update %s ignored", run.jobId, round.round,
                        update.getClientId(), update.getEventId());
                metrics.updateIgnored("duplicate");
                return;
            }
            if (update.getSampleCount() <= 0) {
                throw new EventRejectedException("update of client " + update.getClientId() + " has sampleCount "
                        + update.getSampleCount() + "; it must be positive to weigh the average");
            }
            ReceivedUpdate received = received(run, update, origin);
            if (run.phase == JobPhase.PERSONALIZING) {
                acceptPersonalized(run, update, received);
            } else {
                round.updates.put(update.getClientId(), received);
                metrics.clientUpdate(run.spec.getAlgorithm(), update.getMetrics());
                LOG.infof("job %s round %d: update %d/%d from client %d (worker %s, %d ms compute)", run.jobId,
                        round.round, round.updates.size(), round.expectedUpdates(), update.getClientId(),
                        update.getWorkerId(), update.getMetrics().getComputeMs());
                if (round.complete()) {
                    closeRound(run);
                }
            }
            checkpoints.save(run);
        }
    }

    /** Decodes and checks an update of the open round; personalization updates are kept without their model. */
    private ReceivedUpdate received(JobRun run, ClientUpdate update, UpdateOrigin origin) {
        ModelParameters parameters = decode(update.getModelState(), run, update.getClientId());
        if (run.phase == JobPhase.PERSONALIZING) {
            return new ReceivedUpdate(null, update.getMetrics(), update.getWorkerId(), origin);
        }
        ClientResult result = new ClientResult(update.getClientId(), update.getSampleCount(), parameters,
                Map.copyOf(update.getMetrics().getCustom()));
        return new ReceivedUpdate(result, update.getMetrics(), update.getWorkerId(), origin);
    }

    /**
     * Puts a job back as its latest checkpoint left it (at start-up, before any event is delivered).
     * Returns whether the job is still running. {@code unreadable} says why the open round's updates
     * could not be read back; the job then fails with that reason rather than aggregate less than it counted.
     */
    boolean restore(JobCheckpoint checkpoint, Map<Integer, ClientUpdate> accepted, String unreadable) {
        return restore(checkpoint, accepted, List.of(), unreadable);
    }

    /** As above; {@code asyncBuffer}: an async job's buffered updates, in the checkpoint's order. */
    boolean restore(JobCheckpoint checkpoint, Map<Integer, ClientUpdate> accepted, List<ClientUpdate> asyncBuffer,
                    String unreadable) {
        Strategy strategy = strategies.get(checkpoint.getSpec().getAlgorithm());
        JobRun run = JobCheckpoints.restore(checkpoint, strategy);
        synchronized (run) {
            if (unreadable == null && checkpoint.getOpenRound() != null) {
                for (var place : checkpoint.getOpenRound().getAccepted()) {
                    ClientUpdate update = accepted.get(place.getClientId());
                    UpdateOrigin origin = new UpdateOrigin(place.getEventId(), place.getPartition(), place.getOffset());
                    run.openRound.updates.put(place.getClientId(), received(run, update, origin));
                }
            }
            if (!jobs.register(run)) {
                return false;
            }
            if (run.phase.finished()) {
                return false;
            }
            if (unreadable != null) {
                fail(run, "resumed after a coordinator restart, but the updates it had counted cannot be read back: "
                        + unreadable);
                checkpoints.save(run);
                return false;
            }
            Instant now = Instant.now();
            if (run.openRound != null) {
                // Updates that arrived while the coordinator was down are still on the topic: give them time to come in.
                Duration grace = resumeGrace.compareTo(Duration.ofMillis(run.spec.getRoundDeadlineMs())) < 0
                        ? resumeGrace : Duration.ofMillis(run.spec.getRoundDeadlineMs());
                if (run.openRound.deadline.isBefore(now.plus(grace))) {
                    run.openRound.deadline = now.plus(grace);
                }
            }
            if (run.async != null && run.phase == JobPhase.ROUND_RUNNING) {
                Duration grace = resumeGrace.compareTo(Duration.ofMillis(run.spec.getRoundDeadlineMs())) < 0
                        ? resumeGrace : Duration.ofMillis(run.spec.getRoundDeadlineMs());
                asyncDriver.resume(run, asyncBuffer, now, grace); // async hook: buffer back, outstanding tasks' grace
            }
            if (run.maskDeadline != null && run.maskDeadline.isBefore(now.plus(resumeGrace))) {
                run.maskDeadline = now.plus(resumeGrace);
            }
            LOG.infof("job %s resumed: %s, %d of %d rounds completed%s", run.jobId, run.phase, run.completedRounds,
                    run.spec.getRounds(), run.openRound == null ? "" : ", round " + run.openRound.round + " (attempt "
                            + run.openRound.attempt + ") has " + run.openRound.updates.size() + " of "
                            + run.openRound.expectedUpdates() + " updates");
            return true;
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
            if (mask.getRound() >= 1 && (mask.getRound() <= run.maskAppliedAfterRound
                    || mask.getRound() < run.completedRounds
                    || (mask.getRound() == run.completedRounds && run.phase != JobPhase.WAITING_FOR_MASK))) {
                // A copy of an applied mask, or one that came after the job went on without it.
                LOG.infof("job %s: mask after round %d ignored: %s", run.jobId, mask.getRound(),
                        mask.getRound() <= run.maskAppliedAfterRound ? "applied already"
                                : "the job went on without it (" + run.completedRounds + " rounds completed)");
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
            run.maskAppliedAfterRound = mask.getRound();
            LOG.infof("job %s: mask after round %d: %d of %d operations active", run.jobId, mask.getRound(),
                    next.activeOperations(), next.totalOperations());
            afterMask(run);
            checkpoints.save(run);
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

    /**
     * Acts on passed deadlines: a late mask lets the search go on in the current space; a round
     * with its quorum closes with the updates it has; one without is retried with replacement
     * clients for the missing updates (keeping those it has) until maxRoundAttempts, then the job fails.
     */
    public void enforceDeadlines(Instant now) {
        for (JobRun run : jobs.all()) {
            synchronized (run) {
                if (enforceDeadline(run, now)) {
                    checkpoints.save(run);
                }
            }
        }
    }

    /** Returns whether the job changed. */
    private boolean enforceDeadline(JobRun run, Instant now) {
        if (run.phase == JobPhase.WAITING_FOR_MASK && run.maskDeadline != null && now.isAfter(run.maskDeadline)) {
            // The pruning service is late or down: the search goes on in the current space rather than stalling.
            LOG.warnf("job %s: no mask after round %d within %s; round %d searches in the current mask",
                    run.jobId, run.completedRounds, maskWait, run.completedRounds + 1);
            afterMask(run);
            return true;
        }
        if (run.async != null && run.phase == JobPhase.ROUND_RUNNING) {
            return asyncDriver.enforceDeadlines(run, now); // async hook: overdue tasks go to other clients
        }
        RoundState round = run.openRound;
        if (round == null || now.isBefore(round.deadline)) {
            return false;
        }
        if (run.phase == JobPhase.PERSONALIZING) {
            // The global model is final already: personalization that misses the deadline costs
            // only those clients' personalized models, never the job.
            LOG.warnf("job %s personalization: deadline passed with %d of %d clients; finishing with those",
                    run.jobId, round.updates.size(), round.expectedUpdates());
            succeed(run);
            return true;
        }
        if (run.phase != JobPhase.ROUND_RUNNING) {
            return false;
        }
        int selected = round.expectedUpdates();
        int quorum = run.spec.getQuorum() > 0 ? run.spec.getQuorum() : selected;
        if (round.updates.size() >= quorum && !round.updates.isEmpty()) {
            LOG.warnf("job %s round %d: deadline passed with %d of %d updates (quorum %d); aggregating those",
                    run.jobId, round.round, round.updates.size(), selected, quorum);
            closeRound(run);
        } else if (round.attempt + 1 < run.spec.getMaxRoundAttempts()) {
            retryRound(run, now);
        } else {
            fail(run, "round " + round.round + ": only " + round.updates.size() + " of " + selected
                    + " clients reported by the deadline (quorum " + quorum + ") after " + (round.attempt + 1)
                    + " attempt(s) (maxRoundAttempts " + run.spec.getMaxRoundAttempts() + ")");
        }
        return true;
    }

    /** Asks replacement clients for the updates a round still misses; the updates it has stay counted. */
    private void retryRound(JobRun run, Instant now) {
        RoundState round = run.openRound;
        List<Integer> replacements = RoundRetry.replacements(round, run.spec.getTotalClients(), run.spec.getSeed());
        round.attempt++;
        round.deadline = now.plusMillis(run.spec.getRoundDeadlineMs());
        round.asked.addAll(replacements);
        metrics.roundRetried();
        LOG.warnf("job %s round %d: deadline passed with %d of %d updates; attempt %d of %d asks clients %s",
                run.jobId, round.round, round.updates.size(), round.expectedUpdates(), round.attempt + 1,
                run.spec.getMaxRoundAttempts(), replacements);
        publishTasks(run, round, replacements);
    }

    private JobRun known(String jobId) {
        return jobs.find(jobId).orElseThrow(() -> new EventRejectedException("unknown job " + jobId));
    }

    private ModelParameters decode(ModelState state, JobRun run, int clientId) {
        return UpdateChecks.decode(state, run, clientId);
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
        run.openRound = new RoundState(round, plan, now, now.plusMillis(run.spec.getRoundDeadlineMs()));
        publishTasks(run, run.openRound, plan.clients());
    }

    /** Publishes the round's current attempt to {@code clients}. */
    private void publishTasks(JobRun run, RoundState open, List<Integer> clients) {
        Instant now = Instant.now();
        int round = open.round;
        Instant deadline = open.deadline;
        // Encode once: every task of the round carries the same global state.
        ModelState global = TensorCodec.toAvro(run.global, run.spec.getTensorDType());
        long modelBytes = TensorCodec.encodedBytes(global);
        if (modelBytes + TASK_ENVELOPE_BYTES > maxMessageBytes) {
            // Kafka would refuse every task; fail now with the reason instead of at the deadline.
            fail(run, "the model state is " + modelBytes + " bytes, more than the " + maxMessageBytes
                    + "-byte message limit allows (fedarch.topics.max-message-bytes); use a smaller model or tensorDType FP16");
            return;
        }
        for (int client : clients) {
            ClientTask task = ClientTask.newBuilder()
                    .setEventId(eventId(run, "task", round, open.attempt, client))
                    .setJobId(run.jobId)
                    .setTimestamp(now)
                    .setRound(round)
                    .setClientId(client)
                    .setAttempt(open.attempt)
                    .setModelVersion(run.modelVersion)
                    .setDeadline(deadline)
                    .setSpec(run.spec)
                    .setRoundConfig(open.plan.roundConfig())
                    .setGlobalModel(global)
                    .setSearchMask(run.mask == null ? null : run.mask.toAvro())
                    .build();
            publisher.clientTask(task, Math.floorMod(client, taskPartitions));
        }
        if (open.attempt == 0) {
            LOG.infof("job %s round %d/%d started: clients %s, deadline %s", run.jobId, round, run.spec.getRounds(),
                    clients, deadline);
        }
    }

    private void closeRound(JobRun run) {
        RoundState round = run.openRound;
        List<ClientResult> results = new ArrayList<>();
        round.updates.values().forEach(u -> results.add(u.result()));

        long aggregationStart = System.nanoTime();
        run.global = run.strategy.aggregate(run.spec, round.round, run.global, results);
        long aggregationMs = (System.nanoTime() - aggregationStart) / 1_000_000;
        long roundMs = round.elapsedMs(Instant.now());

        run.modelVersion = round.round;
        run.completedRounds = round.round;
        run.openRound = null;
        RoundMetrics roundMetrics = RoundSummary.of(round, aggregationMs, roundMs);
        run.lastRoundMetrics = roundMetrics;
        metrics.roundCompleted(run.spec.getAlgorithm(), roundMs, aggregationMs,
                roundMetrics.getGlobalValidationAccuracy());

        publisher.globalModel(GlobalModel.newBuilder()
                .setEventId(eventId(run, "global-model", round.round, 0, -1))
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
            afterLastRound(run);
        } else if (run.strategy instanceof PrunesBetweenRounds) {
            run.phase = JobPhase.WAITING_FOR_MASK;
            run.maskDeadline = Instant.now().plus(maskWait);
        } else if (run.spec.getPacing() == RoundPacing.EXTERNAL) {
            run.phase = JobPhase.WAITING_FOR_ROUND_START;
        } else {
            startRound(run, run.completedRounds + 1);
        }
    }

    /** After the last round (or async version): the personalization stage if asked for, else completion. */
    private void afterLastRound(JobRun run) {
        if (run.spec.getPersonalizationEpochs() > 0) {
            startPersonalization(run);
        } else {
            succeed(run);
        }
    }

    /**
     * A personalization update: checked like any update, then published at once as the client's
     * PersonalizedModel (it is never averaged). The local test figures come from the client.
     */
    private void acceptPersonalized(JobRun run, ClientUpdate update, ReceivedUpdate received) {
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
                .setEventId(eventId(run, "personalized-model", round.round, 0, update.getClientId()))
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
        round.updates.put(update.getClientId(), received);
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
                .setEventId(eventId(run, "search-completed", run.completedRounds, 0, -1))
                .setJobId(run.jobId)
                .setTimestamp(Instant.now())
                .setStatus(status)
                .setReason(reason)
                .setSpec(run.spec)
                .setRoundsCompleted(run.completedRounds)
                .setModelVersion(run.modelVersion)
                .setFinalModel(status == SearchStatus.SUCCEEDED
                        ? TensorCodec.toAvro(run.global, run.spec.getTensorDType()) : null)
                .setSearchMs(Math.max(0, Instant.now().toEpochMilli() - run.acceptedAt.toEpochMilli()))
                .setPersonalizedClients(run.personalizedClients)
                .setSearchMask(run.mask == null ? null : run.mask.toAvro())
                .build());
    }

    /**
     * The id of an event the coordinator publishes, derived from what it is: a copy re-published
     * after a restart has the original's id, so consumers can recognise it.
     */
    static String eventId(JobRun run, String kind, int round, int attempt, int client) {
        String name = run.jobId + "/" + kind + "/" + round + "/" + attempt + "/" + client;
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }
}
