package io.fedarch.core.train;

/**
 * Loss and accuracy of a model over some samples.
 *
 * @param loss     mean cross-entropy per sample (NaN when there were no samples)
 * @param accuracy fraction of correct arg-max predictions (NaN when there were no samples)
 * @param steps    optimiser steps taken (0 for evaluation)
 */
public record Metrics(double loss, double accuracy, int samples, int steps) {
    public static Metrics empty() {
        return new Metrics(Double.NaN, Double.NaN, 0, 0);
    }
}
