package io.fedarch.core.train;

import java.util.concurrent.locks.ReentrantLock;

/**
 * DJL's PyTorch engine allows one open GradientCollector per JVM, so every training loop in a
 * worker (FedAvg's local SGD, DARTS search) holds this lock while it records gradients; concurrent
 * tasks take turns. Evaluation does not need it.
 */
public final class GradientLock {
    private static final ReentrantLock LOCK = new ReentrantLock(true);

    private GradientLock() {
    }

    public static ReentrantLock get() {
        return LOCK;
    }
}
