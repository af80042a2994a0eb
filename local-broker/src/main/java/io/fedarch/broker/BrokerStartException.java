package io.fedarch.broker;

/**
 * The broker child process did not become ready. The message carries the end of the broker's
 * log, because the actual cause (port in use, bad config, out of memory) is only written there.
 */
public final class BrokerStartException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    BrokerStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
