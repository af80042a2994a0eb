package io.fedarch.service.artifacts;

/**
 * A file whose chunks the broker has acknowledged: what a ModelReady's {@code files} entry states.
 *
 * @param name       its name in the delivery (the chunks' {@code fileName})
 * @param mediaType  its media type
 * @param sizeBytes  its size
 * @param sha256     SHA-256 of its content, 64 lower-case hex digits
 * @param chunkCount how many chunks it travelled in
 */
public record PublishedArtifact(String name, String mediaType, long sizeBytes, String sha256, int chunkCount) {
}
