package io.fedarch.coordinator.service;

/**
 * The broker refused a checkpoint for good (record too large, not authorised, unserialisable):
 * retrying cannot help, so the job is failed with this reason instead of blocking its lock forever.
 */
public class CheckpointUnwritableException extends RuntimeException {
    public CheckpointUnwritableException(String message, Throwable cause) {
        super(message, cause);
    }
}
