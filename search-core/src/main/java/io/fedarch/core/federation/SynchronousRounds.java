package io.fedarch.core.federation;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.fedarch.core.strategy.Aggregated;
import io.fedarch.core.strategy.RoundPlan;
import io.fedarch.events.ClientUpdate;
import io.fedarch.events.RoundMetrics;
import io.fedarch.events.RoundPacing;

/**
 * Synchronous rounds: the strategy picks each round's clients; the round closes when every one of
 * them reported, or at the deadline with a quorum; without one it is retried with replacement
 * clients (keeping the updates it has) up to maxRoundAttempts, then the job fails. A closed round is
 * aggregated by the strategy and published (an aggregate that is not finite fails the job instead);
 * then the engine decides what follows ({@link FederationEngine#afterRound}).
 */
final class SynchronousRounds implements Pacing {
    private static final Logger LOG = LoggerFactory.getLogger(SynchronousRounds.class);

    private final FederationEngine engine;

    SynchronousRounds(FederationEngine engine) {
        this.engine = engine;
    }

    @Override
    public void start(JobState job, Instant now, List<Decision> out) {
        if (job.spec.getPacing() == RoundPacing.EXTERNAL) {
            job.phase = JobPhase.WAITING_FOR_ROUND_START;
        } else {
            startRound(job, 1, now, out);
        }
    }

    void startRound(JobState job, int round, Instant now, List<Decision> out) {
        RoundPlan plan = job.strategy.configureRound(job.spec, round, job.global, job.state);
        job.phase = JobPhase.ROUND_RUNNING;
        engine.openRound(job, round, plan, now, out);
    }

    @Override
    public boolean onUpdate(JobState job, ClientUpdate update, UpdateOrigin origin, Instant now, List<Decision> out) {
        ReceivedUpdate received = engine.admit(job, update, origin, out);
        if (received == null) {
            return false;
        }
        RoundState round = job.openRound;
        round.count(update.getClientId(), received);
        round.lastUpdateAt.put(String.valueOf(update.getWorkerId()), now);
        out.add(new Decision.UpdateCounted(update.getMetrics()));
        LOG.info("job {} round {}: update {}/{} from client {} (worker {}, {} ms compute)", job.jobId,
                round.round, round.updates.size(), round.expectedUpdates(), update.getClientId(),
                update.getWorkerId(), update.getMetrics().getComputeMs());
        if (round.complete()) {
            closeRound(job, now, out);
        }
        return true;
    }

    /**
     * A round with its quorum closes with the updates it has at the deadline; one without is retried
     * with replacement clients for the missing updates until maxRoundAttempts, then the job fails.
     */
    @Override
    public boolean onTick(JobState job, Instant now, List<Decision> out) {
        RoundState round = job.openRound;
        if (round == null || now.isBefore(round.deadline)) {
            return false;
        }
        int selected = round.expectedUpdates();
        int quorum = job.spec.getQuorum() > 0 ? job.spec.getQuorum() : selected;
        if (round.updates.size() >= quorum && !round.updates.isEmpty()) {
            LOG.warn("job {} round {}: deadline passed with {} of {} updates (quorum {}); aggregating those",
                    job.jobId, round.round, round.updates.size(), selected, quorum);
            closeRound(job, now, out);
        } else if (round.attempt + 1 < job.spec.getMaxRoundAttempts()) {
            retryRound(job, now, out);
        } else {
            engine.fail(job, "round " + round.round + ": only " + round.updates.size() + " of " + selected
                    + " clients reported by the deadline (quorum " + quorum + ") after " + (round.attempt + 1)
                    + " attempt(s) (maxRoundAttempts " + job.spec.getMaxRoundAttempts() + ")", out);
        }
        return true;
    }

    @Override
    public void onResume(JobState job, List<ClientUpdate> buffered, Instant now, Duration grace) {
        // The open round's updates and its deadline were put back by the engine; nothing is buffered.
    }

    /** Asks replacement clients for the updates a round still misses; the updates it has stay counted. */
    private void retryRound(JobState job, Instant now, List<Decision> out) {
        RoundState round = job.openRound;
        List<Integer> replacements = RoundRetry.replacements(round, job.strategy.trainingClients(job.spec),
                job.spec.getSeed());
        round.attempt++;
        round.deadline = now.plusMillis(job.spec.getRoundDeadlineMs());
        // Replacement clients get their instructions from the strategy, like the clients it selected.
        replacements.forEach(client -> round.ask(job.strategy.instruct(job.spec, round.round, client, job.global,
                job.state)));
        out.add(new Decision.RoundRetried(round.round, round.attempt));
        LOG.warn("job {} round {}: deadline passed with {} of {} updates; attempt {} of {} asks clients {}",
                job.jobId, round.round, round.updates.size(), round.expectedUpdates(), round.attempt + 1,
                job.spec.getMaxRoundAttempts(), replacements);
        engine.sendTasks(job, round, replacements, out);
    }

    private void closeRound(JobState job, Instant now, List<Decision> out) {
        RoundState round = job.openRound;
        long aggregationStart = System.nanoTime();
        Aggregated aggregated;
        try {
            aggregated = round.folding != null ? round.folding.finish() : job.strategy.aggregate(job.spec, round.round,
                    job.global, job.state, round.updates.values().stream().map(ReceivedUpdate::result).toList());
        } catch (RuntimeException e) {
            // Aggregation is deterministic: retrying cannot help, and a job stuck past its deadline helps no one.
            engine.fail(job, "round " + round.round + " could not be aggregated from " + round.updates.size()
                    + " update(s): " + e.getMessage(), out);
            return;
        }
        String nonFinite = FiniteAggregate.problem(aggregated.global());
        if (nonFinite != null) {
            // Deterministic too; the job keeps its last finite model.
            engine.fail(job, "round " + round.round + ": " + nonFinite, out);
            return;
        }
        job.global = aggregated.global();
        job.state = aggregated.state();
        long aggregationMs = (System.nanoTime() - aggregationStart) / 1_000_000;
        long roundMs = round.elapsedMs(now);

        job.modelVersion = round.round;
        job.completedRounds = round.round;
        job.openRound = null;
        RoundMetrics metrics = RoundSummary.of(round, aggregationMs, roundMs);
        metrics.getCustom().putAll(RoundTimeBreakdown.of(round.updates.values(), round.lastUpdateAt, now));
        job.lastRoundMetrics = metrics;
        out.add(new Decision.PublishGlobal(round.round, job.modelVersion, new ArrayList<>(round.updates.keySet()),
                job.global, metrics, job.state));
        LOG.info("job {} round {}/{} closed: {}/{} clients, global val acc {}, local val acc {}, {} ms",
                job.jobId, round.round, job.spec.getRounds(), metrics.getClientsReported(),
                metrics.getClientsSelected(), String.format("%.4f", metrics.getGlobalValidationAccuracy()),
                String.format("%.4f", metrics.getValidationAccuracy()), roundMs);
        engine.afterRound(job, now, out);
    }
}
