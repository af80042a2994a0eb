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
        // One parser for all files: shared types (common/) first, in dependency order, as docs/architecture.md
        // (wire format) documents.
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
        assertEquals(12, SCHEMAS_BY_FINGERPRINT.size(), "eleven event types and the coordinator checkpoint");
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

    /**
     * Compressed tensors (JobSpec.compression) are rebuilt from the generic record by following the
     * Tensor doc fields alone: INT8 values times their row's scale, TOPK values at their indices, and
     * a difference added to its base.
     */
    @Test
    void compressedTensorsRebuildFromTheDocFieldsAlone() throws IOException {
        ByteBuffer scales = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(0.5f).putFloat(0.01f);
        io.fedarch.events.Tensor int8 = io.fedarch.events.Tensor.newBuilder().setName("w").setShape(List.of(2, 3))
                .setDtype(io.fedarch.events.DType.FP32).setEncoding(io.fedarch.events.TensorEncoding.INT8)
                .setData(ByteBuffer.wrap(new byte[] {127, -64, 0, 10, 20, -127})).setScales(scales.rewind()).build();
        ByteBuffer indices = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(1).putInt(3);
        ByteBuffer values = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(2.5f).putFloat(-1f);
        io.fedarch.events.Tensor topk = io.fedarch.events.Tensor.newBuilder().setName("b").setShape(List.of(5))
                .setDtype(io.fedarch.events.DType.FP32).setEncoding(io.fedarch.events.TensorEncoding.TOPK).setDelta(true)
                .setData(values.rewind()).setIndices(indices.rewind()).build();
        io.fedarch.events.ClientUpdate update = io.fedarch.events.ClientUpdate.newBuilder(
                        (io.fedarch.events.ClientUpdate) SampleEvents.all().stream()
                                .filter(e -> e instanceof io.fedarch.events.ClientUpdate).findFirst().orElseThrow())
                .setModelState(io.fedarch.events.ModelState.newBuilder().setTensors(List.of(int8, topk)).build()).build();
        byte[] wire = EventCodec.encode(update);
        Schema writer = SCHEMAS_BY_FINGERPRINT.get(ByteBuffer.wrap(wire, 2, 8).order(ByteOrder.LITTLE_ENDIAN).getLong());
        GenericRecord decoded = new BinaryMessageDecoder<GenericRecord>(GenericData.get(), writer).decode(wire);
        List<?> tensors = (List<?>) ((GenericRecord) decoded.get("modelState")).get("tensors");

        float[] w = rebuild((GenericRecord) tensors.get(0), null);
        assertArrayEquals(new float[] {63.5f, -32f, 0f, 0.1f, 0.2f, -1.27f}, w, 1e-6f);
        float[] base = {1f, 1f, 1f, 1f, 1f};
        assertArrayEquals(new float[] {1f, 3.5f, 1f, 0f, 1f}, rebuild((GenericRecord) tensors.get(1), base));
    }

    /** An outsider's decoder, written from the Tensor doc fields (FP32 values only). */
    private static float[] rebuild(GenericRecord tensor, float[] base) {
        int n = 1;
        List<?> shape = (List<?>) tensor.get("shape");
        for (Object d : shape) {
            n *= (Integer) d;
        }
        ByteBuffer data = ((ByteBuffer) tensor.get("data")).duplicate().order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[n];
        switch (tensor.get("encoding").toString()) {
            case "DENSE" -> data.asFloatBuffer().get(v);
            case "INT8" -> {
                ByteBuffer scales = ((ByteBuffer) tensor.get("scales")).duplicate().order(ByteOrder.LITTLE_ENDIAN);
                int s = scales.remaining() / 4;
                for (int i = 0; i < n; i++) {
                    v[i] = data.get(i) * scales.getFloat(4 * (i / (n / s)));
                }
            }
            case "TOPK" -> {
                ByteBuffer indices = ((ByteBuffer) tensor.get("indices")).duplicate().order(ByteOrder.LITTLE_ENDIAN);
                int k = indices.remaining() / 4;
                for (int j = 0; j < k; j++) {
                    v[indices.getInt(4 * j)] = data.getFloat(4 * j);
                }
            }
            default -> fail("unknown encoding " + tensor.get("encoding"));
        }
        if ((Boolean) tensor.get("delta")) {
            for (int i = 0; i < n; i++) {
                v[i] += base[i];
            }
        }
        return v;
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
