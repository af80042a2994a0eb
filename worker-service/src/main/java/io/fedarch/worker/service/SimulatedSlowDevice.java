package io.fedarch.worker.service;

/**
 * Experiments only: makes a worker answer as late as a device {@code factor} times slower by
 * sleeping (factor - 1) x a task's real compute time after the work, without taking CPU from
 * other processes. Factor 1.0 changes nothing.
 */
final class SimulatedSlowDevice {
    private final double factor;

    SimulatedSlowDevice(double factor) {
        if (!(factor >= 1.0) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("fedarch.worker.slowdown-factor must be a finite number >= 1.0 "
                    + "(1.0 = full speed, 3.0 = three times slower), got " + factor);
        }
        this.factor = factor;
    }

    double factor() {
        return factor;
    }

    boolean slows() {
        return factor > 1.0;
    }

    /** Sleeps the extra time a device {@code factor} times slower would have needed; returns it in ms. */
    long waitAfter(long computeMs) {
        long extraMs = Math.round((factor - 1.0) * computeMs);
        if (extraMs <= 0) {
            return 0;
        }
        try {
            Thread.sleep(extraMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return extraMs;
    }
}
