package io.fedarch.service.artifacts;

/**
 * The record key of a chunk on {@code fedarch.artifact-chunks}: {@code <deliveryId>:<chunkIndex>:<fileName>}.
 * One key per (delivery, file, chunk), so compaction keeps every chunk of every delivery and a re-publish
 * of a chunk replaces the older copy. The delivery id holds no ':' and the index is digits, so the key is
 * unambiguous even when the file name contains ':'.
 */
public final class ArtifactChunkKey {

    private ArtifactChunkKey() {
    }

    public static String of(String deliveryId, int chunkIndex, String fileName) {
        return deliveryId + ":" + chunkIndex + ":" + fileName;
    }
}
