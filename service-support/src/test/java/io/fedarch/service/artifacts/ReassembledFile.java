package io.fedarch.service.artifacts;

import java.nio.file.Path;

/** A file rebuilt from its chunks, with the size and SHA-256 it was verified against. */
record ReassembledFile(String name, String mediaType, Path path, long sizeBytes, String sha256, int chunkCount) {
}
