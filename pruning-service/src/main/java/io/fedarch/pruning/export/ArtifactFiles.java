package io.fedarch.pruning.export;

import java.io.IOException;
import java.io.UncheckedIOException;
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
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
            return Artifact.newBuilder().setPath(file.toString()).setMediaType(mediaType)
                    .setSizeBytes(bytes.length).setSha256(sha).build();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read artifact " + file, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
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

    /** Job ids come from outside: keep them from escaping the export directory. */
    public static String safeName(String jobId) {
        return jobId.replaceAll("[^A-Za-z0-9._-]", "_").replaceAll("^\\.+", "_");
    }
}
