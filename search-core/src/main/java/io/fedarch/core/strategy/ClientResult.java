package io.fedarch.core.strategy;

import java.util.Map;

import io.fedarch.core.tensor.ModelParameters;

/** One client's contribution to a round as the server sees it. */
public record ClientResult(int clientId, long sampleCount, ModelParameters parameters, Map<String, Double> metrics) {
}
