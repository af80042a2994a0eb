package io.fedarch.coordinator.service;

/** An event the coordinator will not act on; the reason goes into the dead letter. */
public class EventRejectedException extends RuntimeException {
    public EventRejectedException(String reason) {
        super(reason);
    }

    public EventRejectedException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
