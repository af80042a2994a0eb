package io.fedarch.core.federation;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fedarch.core.strategy.BetweenRounds;
import io.fedarch.core.strategy.ClientInstruction;
import io.fedarch.core.strategy.ClientResult;
import io.fedarch.core.strategy.Personalization;
import io.fedarch.core.strategy.ClientArchitecture;
import io.fedarch.core.model.ModelInitializer;
import io.fedarch.events.ModelSpec;
import io.fedarch.core.strategy.RoundPlan;
import io.fedarch.core.strategy.ServerState;
import io.fedarch.core.strategy.ServerStateCodec;
import io.fedarch.core.strategy.Strategy;
import io.fedarch.core.strategy.StrategyRegistry;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.events.AcceptedUpdate;
import io.fedarch.events.ClientUpdate;
import io.fedarch.events.DType;
import io.fedarch.events.JobCheckpoint;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelState;
import io.fedarch.events.RoundPacing;
import io.fedarch.events.StrategyState;
import io.fedarch.events.UpdateCodec;
import io.fedarch.events.SearchStatus;

/**
 * The federation protocol as a state machine, free of Kafka and Quarkus: {@code (job state, input)
 * → (job state, decisions)}. A job is accepted ({@link #submit}), then every input — a client
 * update, a round-start request, a between-rounds result, the clock — goes through {@link #handle},
 * which changes the job and returns what a service must publish. The training phase is paced by
 * synchronous rounds or FedBuff ({@link Pacing}); around it the engine runs the between-rounds wait,
 * the personalization stage (every client adapts the final model; each adapted model is published,
 * never averaged) and completion.
 *
 * <p>Inputs are handled idempotently: a redelivered update, round-start request or mask is
 * recognised and changes nothing, and the ids of what the engine causes are derived from what it is
 * ({@link EventIds}), so a re-published copy has the id of the original. The coordinator is one
 * transport for this engine (Kafka, checkpoints); {@link InProcessFederation} is another (one JVM).
 */
public final class FederationEngine {
    private static final Logger LOG = LoggerFactory.getLogger(FederationEngine.class);

    private final StrategyRegistry strategies;
    private final EngineSettings settings;
    private final SynchronousRounds synchronousRounds = new SynchronousRounds(this);
    private final BufferedAsyncPacing bufferedAsync = new BufferedAsyncPacing(this);

    private final Clock clock;
    private final SampleCountCap sampleCap;

    public FederationEngine(StrategyRegistry strategies, EngineSettings settings) {
        this(strategies, settings, Clock.systemUTC());
    }

    /** {@code clock} dates updates, requests and between-rounds results (ticks carry their own time). */
    public FederationEngine(StrategyRegistry strategies, EngineSettings settings, Clock clock) {
        this(strategies, settings, clock, SampleCountCap.NONE);
    }

    /** {@code sampleCap}: the most a client's update is weighed, whatever sampleCount it reports. */
    public FederationEngine(StrategyRegistry strategies, EngineSettings settings, Clock clock,
                            SampleCountCap sampleCap) {
        this.strategies = strategies;
        this.settings = settings;
        this.clock = clock;
        this.sampleCap = sampleCap;
    }

    /** The weight an update carries: its reported sampleCount, capped at what the client can hold. */
    long weight(JobState job, ClientUpdate update) {
        long cap = sampleCap.cap(job.spec, update.getClientId());
        if (update.getSampleCount() > cap) {
            LOG.warn("job {}: client {} reported {} samples, more than the {} its shard holds; weighed as {}",
                    job.jobId, update.getClientId(), update.getSampleCount(), cap, cap);
            return cap;
        }
        return update.getSampleCount();
    }

    /** A newly accepted job and what its acceptance causes (usually round 1's tasks). */
    public record Started(JobState job, List<Decision> decisions) {
    }

    /**
     * What an input did. {@code changed}: the job must be checkpointed. {@code rejection}: the input
     * was refused (a dead letter with this reason) — the decisions still apply, e.g. a refused round
     * start request is remembered so its redelivered copy is recognised.
     */
    public record Outcome(List<Decision> decisions, boolean changed, InputRejectedException rejection) {
        static Outcome of(List<Decision> decisions, boolean changed) {
            return new Outcome(List.copyOf(decisions), changed, null);
        }
    }

    /** A job put back from its checkpoint; {@code running}: it goes on (it was neither finished nor failed now). */
    public record Restored(JobState job, Outcome outcome, boolean running) {
    }

    /** Checks a job the way its submission will be checked; returns its strategy. */
    public Strategy validate(JobSpec spec) {
        return JobValidation.validate(strategies, spec, settings);
    }

    /**
     * Accepts a job: validates it, builds the global model of version 0 (the strategy's seeded
     * initialisation, or {@code initialModel} once it is checked against it) and starts training.
     *
     * @throws InputRejectedException when the job is invalid
     */
    public Started submit(String jobId, JobSpec spec, ModelState initialModel) {
        Instant now = clock.instant();
        Strategy strategy = validate(spec);
        JobState job = new JobState(jobId, spec, strategy, initialModel(spec, strategy, initialModel), now);
        job.state = strategy.initialState(spec);
        LOG.info("job {} accepted: {}, {} rounds, {} of {} clients per round", jobId, spec.getAlgorithm(),
                spec.getRounds(), spec.getClientsPerRound(), spec.getTotalClients());
        List<Decision> out = new ArrayList<>();
        pacing(job).start(job, now, out);
        return new Started(job, List.copyOf(out));
    }

    /** Everything after the submission. Never throws for a bad input: the outcome names the rejection. */
    public Outcome handle(JobState job, Input input) {
        List<Decision> out = new ArrayList<>();
        boolean changed = false;
        try {
            if (input instanceof Input.Update u) {
                changed = receive(job, u.update(), u.origin(), clock.instant(), out);
            } else if (input instanceof Input.RoundStartRequest r) {
                changed = requestRound(job, r, clock.instant(), out);
            } else if (input instanceof Input.BetweenRoundsResult b) {
                changed = receiveBetweenRounds(job, b.round(), b.state(), clock.instant(), out);
            } else if (input instanceof Input.Tick t) {
                changed = tick(job, t.now(), out);
            }
            return Outcome.of(out, changed);
        } catch (InputRejectedException e) {
            // A round-start request is remembered even when refused (requestRound), so that outcome is a change.
            return new Outcome(List.copyOf(out), input instanceof Input.RoundStartRequest, e);
        }
    }

    /**
     * Ends a running job from outside the protocol, when its host cannot carry it on (its checkpoint
     * can never be written): FAILED with the reason, announced like any other failure. A finished
     * job is left as it is.
     */
    public Outcome abandon(JobState job, String reason) {
        if (job.phase != null && job.phase.finished()) {
            return Outcome.of(List.of(), false);
        }
        List<Decision> out = new ArrayList<>();
        fail(job, reason, out);
        return Outcome.of(out, true);
    }

    /**
     * Puts a job back as its latest checkpoint left it: the open round's counted updates
     * ({@code accepted}, read back from the update topic) or a FedBuff job's buffer, and a grace for
     * deadlines that passed while no coordinator ran. {@code unreadable} says why the counted updates
     * could not be read back; the job then fails with that reason rather than aggregate less than it counted.
     */
    public Restored restore(JobCheckpoint checkpoint, Map<Integer, ClientUpdate> accepted,
                            List<ClientUpdate> asyncBuffer, String unreadable) {
        return restore(checkpoint, place -> accepted.get(place.getClientId()), asyncBuffer, unreadable);
    }

    /** Reads one counted update back from where the checkpoint recorded it. */
    @FunctionalInterface
    public interface UpdateReader {
        /** @throws RuntimeException saying why it cannot be read (gone from the topic, another event there) */
        ClientUpdate read(AcceptedUpdate place);
    }

    /**
     * As {@link #restore(JobCheckpoint, Map, List, String)}, reading the open round's counted updates
     * one at a time with {@code openRound} and folding each before the next is read, in the order the
     * checkpoint recorded them, so a folding round resumes with the sums it had, bit for bit, and the
     * restore holds one update at a time.
     */
    public Restored restore(JobCheckpoint checkpoint, UpdateReader openRound, List<ClientUpdate> asyncBuffer,
                            String unreadable) {
        Instant now = clock.instant();
        Strategy strategy = strategies.get(checkpoint.getSpec().getAlgorithm());
        JobState job = JobCheckpoints.restore(checkpoint, strategy, settings.foldUpdates());
        if (unreadable == null && checkpoint.getOpenRound() != null) {
            for (AcceptedUpdate place : checkpoint.getOpenRound().getAccepted()) {
                ClientUpdate update;
                try {
                    update = openRound.read(place);
                } catch (RuntimeException e) {
                    unreadable = e.getMessage();
                    break;
                }
                UpdateOrigin origin = new UpdateOrigin(place.getEventId(), place.getPartition(), place.getOffset());
                job.openRound.count(place.getClientId(), received(job, update, origin));
            }
        }
        if (job.phase.finished()) {
            return new Restored(job, Outcome.of(List.of(), false), false);
        }
        List<Decision> out = new ArrayList<>();
        if (unreadable != null) {
            fail(job, "resumed after a coordinator restart, but the updates it had counted cannot be read back: "
                    + unreadable, out);
            return new Restored(job, Outcome.of(out, true), false);
        }
        Duration grace = settings.resumeGrace().compareTo(Duration.ofMillis(job.spec.getRoundDeadlineMs())) < 0
                ? settings.resumeGrace() : Duration.ofMillis(job.spec.getRoundDeadlineMs());
        if (job.openRound != null && job.openRound.deadline.isBefore(now.plus(grace))) {
            // Updates that arrived while the coordinator was down are still on the topic: give them time to come in.
            job.openRound.deadline = now.plus(grace);
        }
        if (job.phase == JobPhase.ROUND_RUNNING) {
            pacing(job).onResume(job, asyncBuffer, now, grace);
        }
        boolean changed = false;
        if (job.openRound != null && !job.openRound.tasksPublished) {
            // The coordinator stopped between committing the previous round's close and this round's tasks.
            LOG.info("job {}: round {}'s tasks were not committed before the restart; publishing them", job.jobId,
                    job.openRound.round);
            job.openRound.tasksPublished = true;
            sendTasks(job, job.openRound, List.copyOf(job.openRound.asked), out);
            changed = true;
        }
        if (job.betweenRoundsDeadline != null && job.betweenRoundsDeadline.isBefore(now.plus(settings.resumeGrace()))) {
            job.betweenRoundsDeadline = now.plus(settings.resumeGrace());
        }
        LOG.info("job {} resumed: {}, {} of {} rounds completed{}", job.jobId, job.phase, job.completedRounds,
                job.spec.getRounds(), job.openRound == null ? "" : ", round " + job.openRound.round + " (attempt "
                        + job.openRound.attempt + ") has " + job.openRound.updates.size() + " of "
                        + job.openRound.expectedUpdates() + " updates");
        return new Restored(job, Outcome.of(out, changed), true);
    }

    // ---- inputs -------------------------------------------------------------------------------

    /**
     * A client's update. Counted once per client and round, whatever the number of copies: a
     * duplicate or a late update for a round that has closed is ignored (it arrives normally after
     * a redelivery, a retried task or a restart); an update for a round that never was is refused.
     */
    private boolean receive(JobState job, ClientUpdate update, UpdateOrigin origin, Instant now, List<Decision> out) {
        if (job.phase == JobPhase.ROUND_RUNNING) {
            return pacing(job).onUpdate(job, update, origin, now, out);
        }
        ReceivedUpdate received = admit(job, update, origin, out);
        if (received == null) {
            return false;
        }
        // Only the personalization stage admits updates outside ROUND_RUNNING (admit refuses the rest).
        acceptPersonalized(job, update, received, out);
        return true;
    }

    /**
     * The checks an update of the open round passes: returns it decoded, or null when it is a
     * harmless copy (ignored, with the reason in {@code out}).
     *
     * @throws InputRejectedException when it answers no round of this job, or is malformed
     */
    ReceivedUpdate admit(JobState job, ClientUpdate update, UpdateOrigin origin, List<Decision> out) {
        RoundState round = job.openRound;
        int lastRound = job.spec.getRounds() + (job.spec.getPersonalizationEpochs() > 0 ? 1 : 0);
        boolean pastRound = update.getRound() >= 1 && update.getRound() <= lastRound
                && (round == null ? update.getRound() <= job.completedRounds + (job.phase.finished() ? 1 : 0)
                : update.getRound() < round.round);
        if (pastRound) {
            LOG.info("job {}: update of client {} for the closed round {} ignored (job {})", job.jobId,
                    update.getClientId(), update.getRound(), job.phase);
            out.add(new Decision.UpdateIgnored("past round"));
            return null;
        }
        if (job.phase.finished()) {
            throw new InputRejectedException("job " + job.jobId + " already " + job.phase + "; it has no round "
                    + update.getRound());
        }
        if (round == null || round.round != update.getRound()) {
            throw new InputRejectedException("update for round " + update.getRound() + " of job " + job.jobId
                    + (round == null ? ", but no round is open (" + job.completedRounds + " completed)"
                    : ", but round " + round.round + " is open"));
        }
        if (!round.selected(update.getClientId())) {
            throw new InputRejectedException("client " + update.getClientId() + " was not selected for round "
                    + round.round + " of job " + job.jobId);
        }
        if (!issuedTo(job, round, update.getClientId(), update.getTaskEventId().toString())) {
            // An update answers one task the job issued to that client (review H4): not a guessed or copied one.
            throw new InputRejectedException("update of client " + update.getClientId() + " names task "
                    + update.getTaskEventId() + ", which job " + job.jobId + " never issued to it in round "
                    + round.round);
        }
        if (round.updates.containsKey(update.getClientId())) {
            LOG.info("job {} round {}: client {} reported already; update {} ignored", job.jobId, round.round,
                    update.getClientId(), update.getEventId());
            out.add(new Decision.UpdateIgnored("duplicate"));
            return null;
        }
        if (update.getSampleCount() <= 0) {
            throw new InputRejectedException("update of client " + update.getClientId() + " has sampleCount "
                    + update.getSampleCount() + "; it must be positive to weigh the average");
        }
        return received(job, update, origin);
    }

    /** Whether {@code taskEventId} is the id of a task of some attempt of the open round for {@code client}. */
    private static boolean issuedTo(JobState job, RoundState round, int client, String taskEventId) {
        for (int attempt = 0; attempt <= round.attempt; attempt++) {
            if (taskEventId.equals(EventIds.of(job.jobId, "task", round.round, attempt, client))) {
                return true;
            }
        }
        return false;
    }

    /** Decodes and checks an update of the open round; personalization updates are kept without their model. */
    private ReceivedUpdate received(JobState job, ClientUpdate update, UpdateOrigin origin) {
        if (job.phase == JobPhase.PERSONALIZING) {
            decode(job, update.getModelState(), update.getClientId(), personalizedReference(job, update));
            return new ReceivedUpdate(null, update.getMetrics(), update.getWorkerId(), origin);
        }
        ModelParameters parameters = decode(job, update.getModelState(), update.getClientId());
        ClientResult result = new ClientResult(job.openRound.instructions.get(update.getClientId()),
                weight(job, update), parameters, update.getMetrics());
        return new ReceivedUpdate(result, update.getMetrics(), update.getWorkerId(), origin);
    }

    /**
     * The checks every client model of a synchronous round goes through before it is counted: it fits
     * the job's model and is finite; compressed differences are added to the round's model.
     */
    ModelParameters decode(JobState job, ModelState state, int clientId) {
        return decode(job, state, clientId, job.global);
    }

    /**
     * What a personalized model must fit: the global model, unless the strategy gives the client a
     * network of its own (Meta-DNAS's derived network), named by what the client reported.
     */
    private static ModelParameters personalizedReference(JobState job, ClientUpdate update) {
        ModelSpec own;
        try {
            own = job.strategy.clientArchitecture(job.spec, update.getClientId(), update.getMetrics().getCustom())
                    .map(ClientArchitecture::model).orElse(null);
        } catch (IllegalArgumentException e) {
            throw new InputRejectedException("personalized model of client " + update.getClientId() + " of job "
                    + job.jobId + " describes no architecture of this job: " + e.getMessage(), e);
        }
        if (own == null) {
            return job.global;
        }
        try {
            return ModelInitializer.initialize(own, 0);
        } catch (IllegalArgumentException e) {
            throw new InputRejectedException("personalized model of client " + update.getClientId() + " of job "
                    + job.jobId + " names a network that cannot be built: " + e.getMessage(), e);
        }
    }

    /**
     * The same checks against {@code reference}, which is also the base a compressed update's
     * differences are added to: the coordinator's exact model of the version the client's task carried.
     */
    ModelParameters decode(JobState job, ModelState state, int clientId, ModelParameters reference) {
        ModelParameters parameters;
        try {
            parameters = TensorCodec.fromAvro(state, reference);
            reference.requireCompatible(parameters);
        } catch (IllegalArgumentException e) {
            throw new InputRejectedException("update of client " + clientId + " does not fit the model of job "
                    + job.jobId + ": " + e.getMessage(), e);
        }
        String nonFinite = parameters.firstNonFinite();
        if (nonFinite != null) {
            throw new InputRejectedException("update of client " + clientId + " has NaN or infinite values in '"
                    + nonFinite + "'");
        }
        return parameters;
    }

    private boolean requestRound(JobState job, Input.RoundStartRequest request, Instant now, List<Decision> out) {
        if (!job.firstTimeHandled(request.eventId())) {
            LOG.info("job {}: round start request {} handled before; this copy is ignored", job.jobId, request.eventId());
            return false;
        }
        if (job.spec.getPacing() != RoundPacing.EXTERNAL) {
            throw new InputRejectedException("job " + job.jobId + " paces its own rounds (pacing AUTOMATIC)");
        }
        if (job.phase == JobPhase.WAITING_FOR_BETWEEN_ROUNDS && !job.roundStartPending) {
            // Valid: it starts as soon as the between-rounds result is in.
            job.roundStartPending = true;
            LOG.info("job {}: round start requested; it starts when the between-rounds result after round {} arrives", job.jobId,
                    job.completedRounds);
            return true;
        }
        if (job.phase != JobPhase.WAITING_FOR_ROUND_START) {
            throw new InputRejectedException("job " + job.jobId + " is " + job.phase
                    + (job.openRound != null ? " (round " + job.openRound.round + ")" : ""));
        }
        int next = job.completedRounds + 1;
        if (request.round() != null && request.round() != next) {
            throw new InputRejectedException("round " + request.round() + " requested but job "
                    + job.jobId + " is at round " + next);
        }
        synchronousRounds.startRound(job, next, now, out);
        return true;
    }

    /**
     * The between-rounds step's result for the round after {@code afterRound} (FedMetaNAS: the pruning
     * service's mask): checked by the strategy and against the round the job waits for, then the next
     * round starts with it.
     */
    private boolean receiveBetweenRounds(JobState job, int afterRound, StrategyState state, Instant now,
                                         List<Decision> out) {
        BetweenRounds step = job.strategy.betweenRounds().orElseThrow(() -> new InputRejectedException(
                "job " + job.jobId + " (" + job.spec.getAlgorithm() + ") has no between-rounds step"));
        if (afterRound >= job.spec.getRounds() && afterRound == job.completedRounds) {
            // The between-rounds step runs after every round; after the last one there is no round to run it for.
            LOG.debug("job {}: between-rounds result after the last round {} noted; no round follows", job.jobId,
                    afterRound);
            return false;
        }
        if (afterRound >= 1 && (afterRound <= job.betweenRoundsAppliedAfter
                || afterRound < job.completedRounds
                || (afterRound == job.completedRounds && job.phase != JobPhase.WAITING_FOR_BETWEEN_ROUNDS))) {
            // A copy of an applied result, or one that came after the job went on without it.
            LOG.info("job {}: between-rounds result after round {} ignored: {}", job.jobId, afterRound,
                    afterRound <= job.betweenRoundsAppliedAfter ? "applied already"
                            : "the job went on without it (" + job.completedRounds + " rounds completed)");
            return false;
        }
        if (job.phase != JobPhase.WAITING_FOR_BETWEEN_ROUNDS || afterRound != job.completedRounds) {
            throw new InputRejectedException("between-rounds result after round " + afterRound + " of job " + job.jobId
                    + " is not awaited (job " + job.phase + ", " + job.completedRounds + " rounds completed)");
        }
        ServerState next;
        try {
            next = ServerStateCodec.fromAvro(state);
            step.check(job.spec, next);
        } catch (IllegalArgumentException e) {
            throw new InputRejectedException("between-rounds result after round " + afterRound + " of job " + job.jobId
                    + " does not fit it: " + e.getMessage(), e);
        }
        job.state = next;
        job.betweenRoundsAppliedAfter = afterRound;
        LOG.info("job {}: between-rounds result after round {} applied", job.jobId, afterRound);
        afterBetweenRounds(job, now, out);
        return true;
    }

    /**
     * Acts on passed deadlines: a late between-rounds result lets the search go on in the current
     * state; the personalization stage finishes with the clients it has; the training phase's own
     * deadlines are its pacing's.
     */
    private boolean tick(JobState job, Instant now, List<Decision> out) {
        if (job.phase == JobPhase.WAITING_FOR_BETWEEN_ROUNDS && job.betweenRoundsDeadline != null
                && now.isAfter(job.betweenRoundsDeadline)) {
            // The pruning service is late or down: the search goes on with the current state rather than stalling.
            LOG.warn("job {}: no between-rounds result after round {} within {}; round {} runs with the current state",
                    job.jobId, job.completedRounds, settings.betweenRoundsWait(), job.completedRounds + 1);
            afterBetweenRounds(job, now, out);
            return true;
        }
        if (job.phase == JobPhase.ROUND_RUNNING) {
            return pacing(job).onTick(job, now, out);
        }
        RoundState round = job.openRound;
        if (job.phase == JobPhase.PERSONALIZING && round != null && !now.isBefore(round.deadline)) {
            // The global model is final already: personalization that misses the deadline costs
            // only those clients' personalized models, never the job.
            LOG.warn("job {} personalization: deadline passed with {} of {} clients; finishing with those",
                    job.jobId, round.updates.size(), round.expectedUpdates());
            succeed(job, out);
            return true;
        }
        return false;
    }

    // ---- transitions shared by the pacings -----------------------------------------------------

    /** After a synchronous round closed (not the last): wait for the between-rounds step, for an external start, or go on. */
    void afterRound(JobState job, Instant now, List<Decision> out) {
        if (job.completedRounds >= job.spec.getRounds()) {
            afterLastRound(job, now, out);
        } else if (job.strategy.betweenRounds().isPresent()) {
            job.phase = JobPhase.WAITING_FOR_BETWEEN_ROUNDS;
            job.betweenRoundsDeadline = now.plus(settings.betweenRoundsWait());
        } else if (job.spec.getPacing() == RoundPacing.EXTERNAL) {
            job.phase = JobPhase.WAITING_FOR_ROUND_START;
        } else {
            synchronousRounds.startRound(job, job.completedRounds + 1, now, out);
        }
    }

    private void afterBetweenRounds(JobState job, Instant now, List<Decision> out) {
        job.betweenRoundsDeadline = null;
        if (job.spec.getPacing() == RoundPacing.EXTERNAL && !job.roundStartPending) {
            job.phase = JobPhase.WAITING_FOR_ROUND_START;
            return;
        }
        job.roundStartPending = false;
        synchronousRounds.startRound(job, job.completedRounds + 1, now, out);
    }

    /** After the last round (or FedBuff version): the personalization stage if asked for, else completion. */
    void afterLastRound(JobState job, Instant now, List<Decision> out) {
        if (job.spec.getPersonalizationEpochs() > 0) {
            RoundPlan plan = job.strategy.configurePersonalization(job.spec, job.global, job.state);
            job.phase = JobPhase.PERSONALIZING;
            LOG.info("job {}: personalization stage, {} clients adapt the final model for {} epochs", job.jobId,
                    plan.clients().size(), job.spec.getPersonalizationEpochs());
            openRound(job, job.spec.getRounds() + 1, plan, now, out);
        } else {
            succeed(job, out);
        }
    }

    /** Opens {@code round} with the plan's clients and sends them their tasks. */
    void openRound(JobState job, int round, RoundPlan plan, Instant now, List<Decision> out) {
        job.openRound = RoundState.open(job, round, plan, now, now.plusMillis(job.spec.getRoundDeadlineMs()),
                settings.foldUpdates());
        sendTasks(job, job.openRound, plan.clients(), out);
    }

    /** Sends the open round's current attempt to {@code clients}. */
    void sendTasks(JobState job, RoundState open, List<Integer> clients, List<Decision> out) {
        List<Decision.TaskOrder> tasks = new ArrayList<>();
        long largestPayload = 0;
        for (int client : clients) {
            Decision.TaskOrder order = taskOrder(open.instructions.get(client),
                    EventIds.of(job.jobId, "task", open.round, open.attempt, client));
            largestPayload = Math.max(largestPayload, order.payload() == null ? 0 : TensorCodec.encodedBytes(order.payload()));
            tasks.add(order);
        }
        ModelState model = encodedForTasks(job, largestPayload, out);
        if (model == null) {
            return;
        }
        out.add(new Decision.SendTasks(open.round, open.attempt, job.modelVersion, open.deadline, model, tasks));
        if (open.attempt == 0) {
            LOG.info("job {} round {}/{} started: clients {}, deadline {}", job.jobId, open.round, job.spec.getRounds(),
                    clients, open.deadline);
        }
    }

    /** A client's instruction as its task carries it: the payload at full precision (it may be state, e.g. a mask). */
    static Decision.TaskOrder taskOrder(ClientInstruction instruction, String eventId) {
        return new Decision.TaskOrder(instruction.clientId(), eventId, instruction.config(),
                instruction.payload() == null ? null : TensorCodec.toAvro(instruction.payload(), DType.FP32));
    }

    /**
     * The global model as tasks carry it (the job's wire precision), encoded once for all of a
     * round's tasks; null when it is too large for a message, after failing the job with the reason
     * (the transport would refuse every task, and the job would only fail at the deadline).
     */
    ModelState encodedForTasks(JobState job, long payloadBytes, List<Decision> out) {
        ModelState model = downlinkCompressed(job.spec)
                ? job.downlink.of(job.modelVersion, job.global, job.spec)
                : TensorCodec.toAvro(job.global, job.spec.getTensorDType());
        long modelBytes = TensorCodec.encodedBytes(model) + payloadBytes;
        if (modelBytes + EngineSettings.TASK_ENVELOPE_BYTES > settings.maxMessageBytes()) {
            fail(job, "the model state" + (payloadBytes > 0 ? " and a client's payload are " : " is ") + modelBytes
                    + " bytes, more than the " + settings.maxMessageBytes()
                    + "-byte message limit allows (fedarch.topics.max-message-bytes); use a smaller model or tensorDType FP16",
                    out);
            return null;
        }
        return model;
    }

    private static boolean downlinkCompressed(JobSpec spec) {
        return spec.getCompression() != null && spec.getCompression().getDownlink() != UpdateCodec.NONE;
    }

    /**
     * A personalization update: checked like any update, then published at once as the client's
     * personalized model (it is never averaged). The local test figures come from the client.
     */
    private void acceptPersonalized(JobState job, ClientUpdate update, ReceivedUpdate received, List<Decision> out) {
        RoundState round = job.openRound;
        Map<String, Double> custom = update.getMetrics().getCustom();
        Double accuracy = custom.get(Personalization.LOCAL_TEST_ACCURACY);
        Double loss = custom.get(Personalization.LOCAL_TEST_LOSS);
        Double samples = custom.get(Personalization.LOCAL_TEST_SAMPLES);
        if (accuracy == null || loss == null || samples == null) {
            throw new InputRejectedException("personalization update of client " + update.getClientId()
                    + " lacks its local test metrics (" + Personalization.LOCAL_TEST_ACCURACY + ", "
                    + Personalization.LOCAL_TEST_LOSS + ", " + Personalization.LOCAL_TEST_SAMPLES + ")");
        }
        out.add(new Decision.PublishPersonalized(round.round, update, accuracy, loss, samples.intValue()));
        round.count(update.getClientId(), received);
        LOG.info("job {} personalization: client {} adapted ({}/{}), local test acc {} (global model {})",
                job.jobId, update.getClientId(), round.updates.size(), round.plan.clients().size(),
                String.format("%.4f", accuracy),
                String.format("%.4f", custom.getOrDefault(Personalization.GLOBAL_LOCAL_TEST_ACCURACY, Double.NaN)));
        if (round.complete()) {
            succeed(job, out);
        }
    }

    private void succeed(JobState job, List<Decision> out) {
        List<Integer> personalized = job.phase == JobPhase.PERSONALIZING && job.openRound != null
                ? new ArrayList<>(job.openRound.updates.keySet()) : List.of();
        job.phase = JobPhase.SUCCEEDED;
        job.openRound = null;
        job.personalizedClients = personalized;
        out.add(new Decision.Complete(SearchStatus.SUCCEEDED, null));
    }

    void fail(JobState job, String reason, List<Decision> out) {
        LOG.error("job {} failed: {}", job.jobId, reason);
        job.phase = JobPhase.FAILED;
        job.failureReason = reason;
        job.openRound = null;
        out.add(new Decision.Complete(SearchStatus.FAILED, reason));
    }

    private Pacing pacing(JobState job) {
        return job.spec.getAsyncAggregation() != null ? bufferedAsync : synchronousRounds;
    }

    /** The strategy's seeded initialisation, or the job's own initial model once it is checked against it. */
    private static ModelParameters initialModel(JobSpec spec, Strategy strategy, ModelState initialModel) {
        ModelParameters initial = strategy.initialize(spec);
        if (initialModel == null) {
            return initial;
        }
        ModelParameters given;
        try {
            given = TensorCodec.fromAvro(initialModel);
            initial.requireCompatible(given);
        } catch (IllegalArgumentException e) {
            throw new InputRejectedException("invalid job: its initial model does not fit the job's model: "
                    + e.getMessage(), e);
        }
        String nonFinite = given.firstNonFinite();
        if (nonFinite != null) {
            throw new InputRejectedException("invalid job: its initial model has NaN or infinite values in '"
                    + nonFinite + "'");
        }
        return given;
    }
}
