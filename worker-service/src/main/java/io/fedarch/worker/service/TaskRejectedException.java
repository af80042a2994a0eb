package io.fedarch.worker.service;

/** A task this worker cannot run (unknown algorithm, malformed model); dead-lettered with the reason. */
public class TaskRejectedException extends RuntimeException {
    public TaskRejectedException(String reason) {
        super(reason);
    }
}
