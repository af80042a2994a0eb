package io.fedarch.pruning.store;

import java.nio.file.Path;

/**
 * One file of a delivery, written locally and not yet published.
 *
 * @param name      its name inside the delivery ({@code model.json}, {@code search/genotype.json}): the object key's
 *                  tail in an object store
 * @param local     where it was written
 * @param mediaType for consumers (and the object's Content-Type)
 */
public record StagedFile(String name, Path local, String mediaType) {
    public StagedFile {
        if (name == null || name.isEmpty() || name.startsWith("/") || name.contains("..")) {
            throw new IllegalArgumentException("a delivery file needs a relative name without '..': " + name);
        }
    }
}
