package io.fedarch.objectstore;

/**
 * The s3proxy child process did not become ready. The message carries the end of its log, where
 * the actual cause (port in use, bad property, missing jar) is written.
 */
public final class ObjectStoreStartException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    ObjectStoreStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
