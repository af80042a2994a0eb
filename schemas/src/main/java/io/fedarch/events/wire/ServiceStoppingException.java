package io.fedarch.events.wire;

/**
 * The service cannot go on (fenced by a newer instance, say): the message being handled is not
 * its fault, so {@link DeadLetterGuard} lets this through instead of dead-lettering the message,
 * which stays unacknowledged for the instance that takes over.
 */
public class ServiceStoppingException extends RuntimeException {
    public ServiceStoppingException(String message, Throwable cause) {
        super(message, cause);
    }
}
