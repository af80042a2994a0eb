package io.fedarch.core.federation;

import java.util.Collection;
import java.util.Map;

import io.fedarch.events.ClientMetrics;
import io.fedarch.events.RoundMetrics;

/** Folds a round's client metrics into the round's metrics (training figures weighted by samples). */
public final class RoundSummary {
    /** RoundMetrics.custom keys. */
    public static final String STEPS = "steps";
    public static final String COMPUTE_MS_PER_STEP = "computeMsPerStep";
    /** Sum of the payload bytes of the models the round's tasks carried (the downlink; updateBytes is the uplink). */
    public static final String TASK_MODEL_BYTES = "taskModelBytes";

    private RoundSummary() {
    }

    static RoundMetrics of(RoundState round, long aggregationMs, long roundMs) {
        return of(round.updates.values(), round.plan.clients().size(), aggregationMs, roundMs);
    }

    /** The metrics of a set of updates, e.g. an asynchronous server version's buffer ({@code selected} = its size). */
    static RoundMetrics of(Collection<ReceivedUpdate> updates, int selected, long aggregationMs, long roundMs) {
        long samples = 0;
        long validationSamples = 0;
        double trainLoss = 0;
        long trainedSamples = 0;
        double localAccuracy = 0;
        double globalAccuracy = 0;
        long computeSum = 0;
        long computeMax = 0;
        long bytes = 0;
        long steps = 0;
        double taskBytes = 0;
        for (ReceivedUpdate update : updates) {
            ClientMetrics m = update.metrics();
            long n = update.result().sampleCount();
            samples += n;
            if (Double.isFinite(m.getTrainLoss())) {
                // A client that took no step (e.g. a subnet over its memory budget) has no training loss.
                trainLoss += n * m.getTrainLoss();
                trainedSamples += n;
            }
            validationSamples += m.getValidationSamples();
            localAccuracy += m.getValidationSamples() * m.getValidationAccuracy();
            globalAccuracy += m.getValidationSamples() * m.getGlobalValidationAccuracy();
            computeSum += m.getComputeMs();
            computeMax = Math.max(computeMax, m.getComputeMs());
            bytes += m.getUpdateBytes();
            steps += m.getSteps();
            taskBytes += m.getCustom().getOrDefault(ClientTaskExecution.TASK_MODEL_BYTES, 0.0);
        }
        int reported = updates.size();
        return RoundMetrics.newBuilder()
                .setClientsSelected(selected)
                .setClientsReported(reported)
                .setSampleCount(samples)
                .setTrainLoss(trainedSamples == 0 ? Double.NaN : trainLoss / trainedSamples)
                .setValidationAccuracy(validationSamples == 0 ? Double.NaN : localAccuracy / validationSamples)
                .setGlobalValidationAccuracy(validationSamples == 0 ? Double.NaN : globalAccuracy / validationSamples)
                .setRoundMs(roundMs)
                .setAggregationMs(aggregationMs)
                .setMeanClientComputeMs(reported == 0 ? 0 : computeSum / reported)
                .setMaxClientComputeMs(computeMax)
                .setUpdateBytes(bytes)
                // Local compute per optimiser step: for a NAS search, the cost of one search step (α and w update).
                .setCustom(new java.util.HashMap<>(Map.of(STEPS, (double) steps,
                        COMPUTE_MS_PER_STEP, steps == 0 ? Double.NaN : (double) computeSum / steps,
                        TASK_MODEL_BYTES, taskBytes)))
                .build();
    }
}
