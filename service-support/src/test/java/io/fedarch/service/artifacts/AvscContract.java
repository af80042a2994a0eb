package io.fedarch.service.artifacts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.message.BinaryMessageDecoder;

/**
 * The event contract as an outsider has it: the .avsc files of {@code schemas/src/main/avro} and nothing
 * else (no generated classes, no fedarch code). Decodes single-object encoded messages to generic records
 * by the writer schema's fingerprint.
 */
final class AvscContract {
    /** The module's tests run in service-support/; the contract lives next to it. */
    static final Path AVRO_DIR = Path.of("../schemas/src/main/avro");
    /** Shared types are referenced by name from the event files, so they are parsed first, in this order. */
    private static final List<String> COMMON_ORDER = List.of("DType", "Tensor", "ModelState", "ModelSpec",
            "PartitionScheme", "PartitionSpec", "DataSpec", "RoundPacing", "AggregationRule", "RobustAggregation",
            "AttackKind", "SimulatedAttack", "AsyncAggregation", "JobSpec", "ClientMetrics", "RoundMetrics",
            "SearchStatus", "ModelScope", "Artifact", "SearchMask", "StrategyState");

    private final Map<Long, Schema> byFingerprint = new HashMap<>();

    AvscContract() {
        Schema.Parser parser = new Schema.Parser();
        try {
            for (String name : COMMON_ORDER) {
                parser.parse(AVRO_DIR.resolve("common/" + name + ".avsc").toFile());
            }
            try (Stream<Path> files = Files.list(AVRO_DIR)) {
                for (Path file : files.filter(f -> f.toString().endsWith(".avsc")).sorted().toList()) {
                    Schema schema = parser.parse(file.toFile());
                    byFingerprint.put(SchemaNormalization.parsingFingerprint64(schema), schema);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the .avsc files in " + AVRO_DIR.toAbsolutePath(), e);
        }
    }

    /** C3 01, the little-endian CRC-64-AVRO fingerprint of the writer schema, then the Avro body. */
    GenericRecord decode(byte[] message) {
        if (message == null || message.length < 10 || message[0] != (byte) 0xC3 || message[1] != 0x01) {
            throw new IllegalArgumentException("not an Avro single-object message");
        }
        long fingerprint = ByteBuffer.wrap(message, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        Schema writer = byFingerprint.get(fingerprint);
        if (writer == null) {
            throw new IllegalArgumentException("no .avsc file has the writer schema fingerprint " + fingerprint);
        }
        try {
            return new BinaryMessageDecoder<GenericRecord>(GenericData.get(), writer).decode(message);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot decode a " + writer.getName() + ": " + e.getMessage(), e);
        }
    }
}
