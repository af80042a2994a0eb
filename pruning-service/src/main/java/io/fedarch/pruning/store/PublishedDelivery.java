package io.fedarch.pruning.store;

import java.util.List;

import io.fedarch.events.Artifact;

/**
 * A delivery whose every file is where consumers read it.
 *
 * @param uri   ModelReady.artifactUri: the delivery's directory or {@code s3://bucket/prefix/.../} prefix
 * @param files ModelReady.files: each file's path or {@code s3://} URI with the size and SHA-256 of the bytes
 *              published
 */
public record PublishedDelivery(DeliveryLocation location, String uri, List<Artifact> files) {
    public PublishedDelivery {
        files = List.copyOf(files);
    }
}
