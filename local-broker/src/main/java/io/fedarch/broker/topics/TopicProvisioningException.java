package io.fedarch.broker.topics;

/** Topics could not be created or reconfigured; the cause is the Kafka error. */
public final class TopicProvisioningException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    TopicProvisioningException(String message, Throwable cause) {
        super(message, cause);
    }
}
