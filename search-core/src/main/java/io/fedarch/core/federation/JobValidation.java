package io.fedarch.core.federation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.model.ModelSize;
import io.fedarch.core.tensor.compression.WireCompression;
import io.fedarch.core.strategy.HyperParameter;
import io.fedarch.core.strategy.Strategy;
import io.fedarch.core.strategy.StrategyRegistry;
import io.fedarch.events.AggregationRule;
import io.fedarch.events.AsyncAggregation;
import io.fedarch.events.JobSpec;
import io.fedarch.events.RoundPacing;
import io.fedarch.events.UpdateCodec;
import io.fedarch.events.UpdateCompression;

/**
 * The one place a job is checked before it starts: its strategy's own checks, then the protocol's
 * (deadline, attempts), then FedBuff's settings. REST callers and the engine get the same answer.
 */
public final class JobValidation {
    private JobValidation() {
    }

    /**
     * Returns the job's strategy.
     *
     * @throws InputRejectedException "invalid job: …" with every problem of the failing stage named
     */
    public static Strategy validate(StrategyRegistry strategies, JobSpec spec) {
        return validate(strategies, spec, EngineSettings.defaults());
    }

    /**
     * Returns the job's strategy, once the spec also fits the deployment's {@link JobLimits} and message size.
     *
     * @throws InputRejectedException "invalid job: …" with every problem of the failing stage named
     */
    public static Strategy validate(StrategyRegistry strategies, JobSpec spec, EngineSettings settings) {
        Strategy strategy;
        try {
            strategy = strategies.get(spec.getAlgorithm());
        } catch (IllegalArgumentException e) {
            throw new InputRejectedException("invalid job: " + e.getMessage(), e);
        }
        validateHyperParameters(spec, strategy);
        List<String> outOfBounds = settings.limits().specProblems(spec, strategy);
        if (!outOfBounds.isEmpty()) {
            throw new InputRejectedException("invalid job: " + String.join("; ", outOfBounds));
        }
        Long parameters = null;
        if (modelOptionsParse(spec)) {
            // Before the strategy's checks, which may build the model: its size is measured without allocating it.
            parameters = ModelSize.parameters(spec.getModel());
            List<String> tooLarge = settings.limits().modelProblems(spec, parameters, settings.maxMessageBytes());
            if (!tooLarge.isEmpty()) {
                throw new InputRejectedException("invalid job: " + String.join("; ", tooLarge));
            }
        }
        try {
            strategy.validate(spec);
        } catch (IllegalArgumentException e) {
            throw new InputRejectedException("invalid job: " + e.getMessage(), e);
        }
        if (spec.getQuorum() > spec.getClientsPerRound()) {
            // FedAvg's selection checks this too; the protocol needs it whatever the strategy.
            throw new InputRejectedException("invalid job: quorum " + spec.getQuorum()
                    + " exceeds clientsPerRound " + spec.getClientsPerRound());
        }
        if (spec.getRoundDeadlineMs() <= 0) {
            throw new InputRejectedException("invalid job: roundDeadlineMs must be positive");
        }
        if (spec.getMaxRoundAttempts() < 1) {
            throw new InputRejectedException("invalid job: maxRoundAttempts is " + spec.getMaxRoundAttempts()
                    + "; it must be at least 1 (1 = fail at the first missed deadline)");
        }
        if (spec.getAsyncAggregation() != null) {
            validateAsync(spec, strategy);
        }
        if (spec.getCompression() != null) {
            validateCompression(spec, strategy, strategies);
        }
        List<String> stateTooLarge = settings.limits().stateProblems(spec, strategy,
                parameters != null ? parameters : ModelSize.parameters(spec.getModel()), settings.maxMessageBytes());
        if (!stateTooLarge.isEmpty()) {
            throw new InputRejectedException("invalid job: " + String.join("; ", stateTooLarge));
        }
        List<String> roundTooLarge = settings.limits().roundMemoryProblems(spec, strategy,
                parameters != null ? parameters : ModelSize.parameters(spec.getModel()));
        if (!roundTooLarge.isEmpty()) {
            throw new InputRejectedException("invalid job: " + String.join("; ", roundTooLarge));
        }
        return strategy;
    }

    /** Whether the model spec names a known family with options it accepts (the strategy's checks say why not). */
    private static boolean modelOptionsParse(JobSpec spec) {
        try {
            ModelFactory.validate(spec.getModel());
            return true;
        } catch (IllegalArgumentException | NullPointerException e) {
            return false;
        }
    }

    /** Every entry of the job's hyperParameters is a knob the strategy declares, with a value of its type and range. */
    private static void validateHyperParameters(JobSpec spec, Strategy strategy) {
        if (spec.getHyperParameters() == null || spec.getHyperParameters().isEmpty()) {
            return;
        }
        Map<String, HyperParameter> declared = new TreeMap<>();
        strategy.hyperParameters().forEach(knob -> declared.put(knob.name(), knob));
        List<String> problems = new ArrayList<>();
        new TreeMap<>(spec.getHyperParameters()).forEach((key, value) -> {
            HyperParameter knob = declared.get(key.toString());
            if (knob == null) {
                problems.add("unknown '" + key + "' (" + strategy.name() + " knows " + declared.keySet() + ")");
            } else if (value != null && !value.toString().isBlank()) { // blank = absent: the default applies
                String problem = knob.problem(value.toString());
                if (problem != null) {
                    problems.add(problem);
                }
            }
        });
        if (!problems.isEmpty()) {
            throw new InputRejectedException("invalid job: hyperParameters: " + String.join("; ", problems)
                    + " (./fedarch algorithms lists every knob)");
        }
    }

    /** The wire compression's settings, and whether the strategy takes compressed updates; throws with every problem named. */
    private static void validateCompression(JobSpec spec, Strategy strategy, StrategyRegistry strategies) {
        UpdateCompression c = spec.getCompression();
        List<String> problems = new ArrayList<>();
        if (c.getDownlink() == UpdateCodec.TOPK) {
            problems.add("downlink TOPK is not supported: workers are stateless and hold no earlier model to add a "
                    + "sparse difference to; use INT8 or NONE");
        }
        if (!(c.getTopKFraction() > 0 && c.getTopKFraction() <= 0.5)) {
            problems.add("topKFraction must be in (0, 0.5] (got " + c.getTopKFraction() + "; above 0.5 values and "
                    + "indices cost more than the dense tensor)");
        }
        if (WireCompression.active(spec) && !strategy.acceptsCompressedUpdates()) {
            List<String> accepting = strategies.names().stream()
                    .filter(name -> strategies.get(name).acceptsCompressedUpdates()).sorted().toList();
            problems.add(spec.getAlgorithm() + " does not take compressed updates (its aggregation is not checked "
                    + "against lossy client models, e.g. it reads which entries a client changed, or its clients send "
                    + "something other than a trained copy of the model); strategies that do: " + accepting
                    + "; remove compression or set uplink and downlink to NONE");
        }
        if (!problems.isEmpty()) {
            throw new InputRejectedException("invalid job: compression: " + String.join("; ", problems));
        }
    }

    /** FedBuff's settings; throws with every problem named. */
    private static void validateAsync(JobSpec spec, Strategy strategy) {
        AsyncAggregation async = spec.getAsyncAggregation();
        List<String> problems = new ArrayList<>();
        if (async.getBufferSize() < 1) {
            problems.add("bufferSize must be >= 1 (got " + async.getBufferSize() + ")");
        }
        int concurrency = AsyncState.concurrency(async, spec.getClientsPerRound());
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
        if (spec.getRobustAggregation() != null && spec.getRobustAggregation().getRule() != AggregationRule.MEAN) {
            // FedBuff's server step averages staleness-weighted deltas; no robust rule is applied there.
            problems.add("robustAggregation " + spec.getRobustAggregation().getRule()
                    + " is not applied by FedBuff's server step; use synchronous rounds or rule MEAN");
        }
        if (!strategy.initialState(spec).isEmpty()) {
            // BufferedAsyncStep replaces the strategy's aggregation, so its server state would never move.
            problems.add(spec.getAlgorithm() + " keeps a server state that its aggregation updates; FedBuff's server "
                    + "step does not run that aggregation");
        }
        if (strategy.betweenRounds().isPresent()) {
            problems.add(spec.getAlgorithm() + " changes its state between synchronous rounds (e.g. prunes its "
                    + "search space); it cannot run with asyncAggregation");
        }
        if (!problems.isEmpty()) {
            throw new InputRejectedException("invalid job: asyncAggregation: " + String.join("; ", problems));
        }
    }
}
