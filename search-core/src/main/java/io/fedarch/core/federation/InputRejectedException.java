package io.fedarch.core.federation;

/**
 * An input the engine refuses: an invalid job, an update for a round that never was, a mask that is
 * not awaited. The service turns it into a dead letter with this message; the job is unchanged.
 */
public class InputRejectedException extends RuntimeException {
    public InputRejectedException(String message) {
        super(message);
    }

    public InputRejectedException(String message, Throwable cause) {
        super(message, cause);
    }
}
