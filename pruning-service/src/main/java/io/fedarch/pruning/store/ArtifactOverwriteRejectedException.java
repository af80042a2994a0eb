package io.fedarch.pruning.store;

/**
 * A write would change a file of a model already delivered. Delivered files never change after
 * their ModelReady is out: consumers verify them by the SHA-256 it carries. Named *RejectedException
 * so the dead-letter guard treats it as an expected rejection (a warning), not a bug.
 */
public class ArtifactOverwriteRejectedException extends RuntimeException {
    public ArtifactOverwriteRejectedException(String message) {
        super(message);
    }
}
