package io.fedarch.events.wire;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
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
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The wire contract: a consumer that has nothing but the .avsc files (no generated classes,
 * no registry) decodes every fedarch event. It finds the writer schema from the 8-byte
 * fingerprint in the single-object header, as an external system would.
 */
class SchemaOnlyDecodingTest {
    private static final Path AVRO_DIR = Path.of("src/main/avro");
    private static final Map<Long, Schema> SCHEMAS_BY_FINGERPRINT = new HashMap<>();

    @BeforeAll
    static void parseTheAvscFilesOnly() throws IOException {
        // One parser for all files: shared types (common/) first, in dependency order, as README documents.
        Schema.Parser parser = new Schema.Parser();
        List<String> commonOrder = List.of("DType", "Tensor", "ModelState", "ModelSpec", "PartitionScheme",
                "PartitionSpec", "DataSpec", "RoundPacing", "AggregationRule", "RobustAggregation", "AttackKind",
                "SimulatedAttack", "AsyncAggregation", "JobSpec", "ClientMetrics", "RoundMetrics",
                "SearchStatus", "ModelScope", "Artifact", "SearchMask", "StrategyState");
        for (String name : commonOrder) {
            parser.parse(AVRO_DIR.resolve("common/" + name + ".avsc").toFile());
        }
        try (Stream<Path> files = Files.list(AVRO_DIR)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".avsc")).sorted().toList()) {
                Schema schema = parser.parse(file.toFile());
                SCHEMAS_BY_FINGERPRINT.put(SchemaNormalization.parsingFingerprint64(schema), schema);
            }
        }
        assertEquals(11, SCHEMAS_BY_FINGERPRINT.size(), "ten event types and the coordinator checkpoint");
    }

    @Test
    void everyEventTypeDecodesWithOnlyTheAvscFiles() throws IOException {
        for (SpecificRecord event : SampleEvents.all()) {
            byte[] wire = EventCodec.encode(event);

            assertEquals((byte) 0xC3, wire[0], "single-object marker");
            assertEquals((byte) 0x01, wire[1], "single-object version");
            long fingerprint = ByteBuffer.wrap(wire, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            Schema writer = SCHEMAS_BY_FINGERPRINT.get(fingerprint);
            assertNotNull(writer, "fingerprint of " + event.getSchema().getName() + " matches an .avsc file");
            assertEquals(event.getSchema().getFullName(), writer.getFullName());

            GenericRecord decoded = new BinaryMessageDecoder<GenericRecord>(GenericData.get(), writer).decode(wire);
            assertEquals("job-1", decoded.get("jobId") == null ? "job-1" : decoded.get("jobId").toString());
            for (Schema.Field field : writer.getFields()) {
                Object expected = event.get(field.pos());
                Object actual = decoded.get(field.name());
                assertEquals(String.valueOf(normalise(expected)), String.valueOf(normalise(actual)),
                        writer.getName() + "." + field.name());
            }
        }
    }

    @Test
    void tensorBytesSurviveGenericDecoding() throws IOException {
        {
            SpecificRecord task = SampleEvents.all().get(2);
            byte[] wire = EventCodec.encode(task);
            Schema writer = SCHEMAS_BY_FINGERPRINT.get(
                    ByteBuffer.wrap(wire, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong());
            GenericRecord decoded = new BinaryMessageDecoder<GenericRecord>(GenericData.get(), writer).decode(wire);
            GenericRecord tensor = (GenericRecord) ((List<?>) ((GenericRecord) decoded.get("globalModel"))
                    .get("tensors")).get(0);
            ByteBuffer data = ((ByteBuffer) tensor.get("data")).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(1.5f, data.getFloat(0));
            assertEquals(-2f, data.getFloat(4));
            assertEquals(0.25f, data.getFloat(8));
            assertEquals("FP32", tensor.get("dtype").toString());
        }
    }

    /** Generic and specific records print differently (Utf8 vs String, Instant vs long); compare values. */
    private static Object normalise(Object value) {
        if (value instanceof java.time.Instant instant) {
            return instant.toEpochMilli();
        }
        if (value instanceof ByteBuffer buffer) {
            ByteBuffer copy = buffer.duplicate();
            byte[] bytes = new byte[copy.remaining()];
            copy.get(bytes);
            return java.util.Arrays.toString(bytes);
        }
        if (value instanceof GenericRecord || value instanceof SpecificRecord) {
            org.apache.avro.generic.IndexedRecord record = (org.apache.avro.generic.IndexedRecord) value;
            StringBuilder out = new StringBuilder("{");
            for (Schema.Field f : record.getSchema().getFields()) {
                out.append(f.name()).append('=').append(normalise(record.get(f.pos()))).append(',');
            }
            return out.append('}').toString();
        }
        if (value instanceof List<?> list) {
            return list.stream().map(SchemaOnlyDecodingTest::normalise).toList();
        }
        if (value instanceof Map<?, ?> map) {
            Map<String, Object> sorted = new java.util.TreeMap<>();
            map.forEach((k, v) -> sorted.put(k.toString(), normalise(v)));
            return sorted;
        }
        return value == null ? null : value.toString();
    }
}
