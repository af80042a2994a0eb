package io.fedarch.pruning.export;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.fedarch.events.Artifact;

/** Small file helpers shared by the exporters: JSON files, checksummed artifact entries, safe names. */
public final class ArtifactFiles {
    private static final ObjectMapper PRETTY = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper COMPACT = new ObjectMapper();

    private ArtifactFiles() {
    }

    /** An artifact entry with the file's size and SHA-256, so consumers can verify what they fetch. */
    public static Artifact artifact(Path file, String mediaType) {
        try {
            byte[] bytes = Files.readAllBytes(file);
            return Artifact.newBuilder().setPath(file.toString()).setMediaType(mediaType)
                    .setSizeBytes(bytes.length).setSha256(sha256(bytes)).build();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read artifact " + file, e);
        }
    }

    public static void writeJson(Path file, Object value) {
        try {
            Files.createDirectories(file.getParent());
            PRETTY.writeValue(file.toFile(), value);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    public static void writeString(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    public static <T> T readJson(Path file, Class<T> type) {
        try {
            return PRETTY.readValue(file.toFile(), type);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Parses a JSON document (e.g. an Avro record's toString or a genotype) into plain maps and lists. */
    public static Object parse(String json) {
        try {
            return COMPACT.readValue(json, Object.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String toJson(Object value) {
        try {
            return COMPACT.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Job ids come from outside: keep them from escaping the export directory, and give each its own.
     * An id that is already a safe name is kept as it is. Any other is sanitized, which can make two
     * ids alike ({@code t/1}, {@code t_1}), so it gets {@code ~} and a hash of the raw id appended:
     * {@code ~} never survives sanitizing, so a kept id can never look like a hashed one.
     */
    public static String safeName(String id) {
        if (id == null || id.isEmpty()) {
            throw new ExportRejectedException("an empty job id (or file name) has no directory of its own");
        }
        String sanitized = id.replaceAll("[^A-Za-z0-9._-]", "_").replaceAll("^\\.+", "_");
        if (sanitized.equals(id)) {
            return id;
        }
        // 64 bits of SHA-256: another id with the same prefix and hash would take about 2^64 tries.
        return sanitized + "~" + sha256(id.getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    }

    /** Lowercase hex SHA-256 of the bytes. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
