package io.fedarch.cli;

import java.util.Collection;

/**
 * n, mean, sample standard deviation (n - 1 in the denominator: the seeds are a sample of all
 * seeds), min and max of a few measurements. The deviation is NaN for fewer than two.
 */
record SampleStatistics(int n, double mean, double std, double min, double max) {

    static SampleStatistics of(Collection<Double> values) {
        int n = values.size();
        if (n == 0) {
            return new SampleStatistics(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        double mean = values.stream().mapToDouble(Double::doubleValue).sum() / n;
        double squares = values.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum();
        double std = n < 2 ? Double.NaN : Math.sqrt(squares / (n - 1));
        return new SampleStatistics(n, mean, std,
                values.stream().mapToDouble(Double::doubleValue).min().orElseThrow(),
                values.stream().mapToDouble(Double::doubleValue).max().orElseThrow());
    }
}
