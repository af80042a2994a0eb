package io.fedarch.service.artifacts;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One file of a delivery: where it is on disk, and the name and media type consumers get.
 *
 * @param source    the file to publish
 * @param name      its path relative to the delivery, '/'-separated, e.g. {@code global/model.safetensors};
 *                  consumers write it under their output directory, so it may not be absolute or climb out
 * @param mediaType e.g. {@code application/octet-stream}
 */
public record ArtifactFile(Path source, String name, String mediaType) {

    public ArtifactFile {
        Objects.requireNonNull(source, "source");
        requireSafeRelativeName(name);
        if (mediaType == null || mediaType.isBlank()) {
            throw new IllegalArgumentException("mediaType of " + name + " must not be blank");
        }
    }

    /** Rejects names a consumer could not write safely under its own output directory. */
    static void requireSafeRelativeName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("file name must not be empty");
        }
        if (name.startsWith("/") || name.indexOf('\\') >= 0 || name.indexOf('\0') >= 0 || name.matches("^[A-Za-z]:.*")) {
            throw new IllegalArgumentException("file name must be a relative '/'-separated path, got '" + name + "'");
        }
        for (String segment : name.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("file name must not have empty, '.' or '..' segments, got '"
                        + name + "'");
            }
        }
    }
}
