package io.fedarch.core.federation;

/** A client task that cannot be run as sent (unknown algorithm, malformed model or mask): it becomes a dead letter. */
public class TaskRejectedException extends RuntimeException {
    public TaskRejectedException(String message) {
        super(message);
    }
}
