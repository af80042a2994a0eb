package io.fedarch.core.strategy;

import java.util.Map;

import io.fedarch.core.tensor.ModelParameters;

/**
 * What a client procedure returns: the updated local state, the number of training samples
 * behind it (the aggregation weight) and the measured metrics.
 *
 * @param globalValidationAccuracy accuracy of the received global model on the validation split, before training
 * @param custom                   algorithm-specific metrics
 */
public record ClientOutcome(ModelParameters parameters, long sampleCount, int steps,
                            double trainLoss, double trainAccuracy,
                            double validationLoss, double validationAccuracy,
                            double globalValidationAccuracy, int validationSamples,
                            Map<String, Double> custom) {
}
