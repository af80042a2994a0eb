package io.fedarch.pruning.store;

/** The object store did not take or give back what it was asked for (unreachable, denied, missing bucket). */
public class StoreUnavailableException extends RuntimeException {
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
