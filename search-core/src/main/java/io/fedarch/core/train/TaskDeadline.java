package io.fedarch.core.train;

import java.time.Instant;

/**
 * The deadline of the task running on this thread, checked before every batch is built
 * ({@link Batches#images}), so a worker abandons a task whose round has closed instead of training
 * it to the end: a job asking for days of epochs costs a worker at most its round deadline. Unset
 * (in-process runs, tools) means no deadline.
 */
public final class TaskDeadline {
    private static final ThreadLocal<Instant> DEADLINE = new ThreadLocal<>();

    private TaskDeadline() {
    }

    /** Thrown at the first batch after the deadline; the task is abandoned and no update is sent. */
    public static final class PassedException extends RuntimeException {
        public PassedException(Instant deadline) {
            super("the task's deadline " + deadline + " passed while it ran; abandoned");
        }
    }

    /** Runs {@code task} with {@code deadline} in force on this thread. */
    public static <T> T within(Instant deadline, java.util.function.Supplier<T> task) {
        Instant previous = DEADLINE.get();
        DEADLINE.set(deadline);
        try {
            return task.get();
        } finally {
            if (previous == null) {
                DEADLINE.remove();
            } else {
                DEADLINE.set(previous);
            }
        }
    }

    /** @throws PassedException when this thread's task deadline has passed */
    public static void check() {
        Instant deadline = DEADLINE.get();
        if (deadline != null && Instant.now().isAfter(deadline)) {
            throw new PassedException(deadline);
        }
    }
}
