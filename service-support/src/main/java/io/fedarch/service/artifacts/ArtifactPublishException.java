package io.fedarch.service.artifacts;

/** A delivery's files could not be published completely; its ModelReady must not be announced. */
public class ArtifactPublishException extends RuntimeException {

    public ArtifactPublishException(String message) {
        super(message);
    }

    public ArtifactPublishException(String message, Throwable cause) {
        super(message, cause);
    }
}
