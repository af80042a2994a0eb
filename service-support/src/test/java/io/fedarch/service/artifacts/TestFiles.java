package io.fedarch.service.artifacts;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

/** Deterministic test files written in 1 MiB pieces, so even a file far larger than the heap never is in it. */
final class TestFiles {

    private TestFiles() {
    }

    /**
     * Writes {@code size} pseudo-random (incompressible) bytes from {@code seed} and returns their SHA-256,
     * computed from the bytes as they were generated, not read back.
     */
    static String writeRandom(Path file, long size, long seed) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] piece = new byte[1 << 20];
        long state = seed * 0x9E3779B97F4A7C15L + 1;
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long written = 0; written < size; ) {
                int n = (int) Math.min(piece.length, size - written);
                for (int i = 0; i < n; i += 8) {
                    // xorshift64: fast, deterministic, and the bytes do not compress.
                    state ^= state << 13;
                    state ^= state >>> 7;
                    state ^= state << 17;
                    for (int b = 0; b < 8 && i + b < n; b++) {
                        piece[i + b] = (byte) (state >>> (8 * b));
                    }
                }
                out.write(piece, 0, n);
                digest.update(piece, 0, n);
                written += n;
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    /** SHA-256 of a file, read in 1 MiB pieces with the JDK alone. */
    static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] piece = new byte[1 << 20];
        try (java.io.InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(piece)) > 0; ) {
                digest.update(piece, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
