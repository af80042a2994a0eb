package io.fedarch.core.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;

class SafetensorsTest {
    private static final ModelParameters MODEL = new ModelParameters(List.of(
            new NamedTensor("conv1.weight", new int[] {2, 1, 2, 2}, new float[] {1, 2, 3, 4, 5, 6, 7, -8.5f}),
            new NamedTensor("conv1.bias", new int[] {2}, new float[] {0.25f, -0.75f}),
            new NamedTensor("fc1.weight", new int[] {1, 3}, new float[] {9, 10, 11})));

    @Test
    void roundTripKeepsTensorsAndMetadata(@TempDir Path dir) {
        Path file = dir.resolve("model.safetensors");
        SafetensorsWriter.write(file, MODEL, Map.of("job", "j1", "round", "3"));
        SafetensorsReader.Content content = SafetensorsReader.read(file);
        assertEquals(MODEL.names(), content.parameters().names());
        for (NamedTensor t : MODEL.tensors()) {
            assertArrayEquals(t.shape(), content.parameters().get(t.name()).shape());
            assertArrayEquals(t.values(), content.parameters().get(t.name()).values());
        }
        assertEquals(Map.of("job", "j1", "round", "3"), content.metadata());
    }

    @Test
    void headerFollowsTheFormat(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("m.safetensors");
        SafetensorsWriter.write(file, MODEL, Map.of("k", "v"));
        byte[] bytes = Files.readAllBytes(file);
        long headerLength = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLength % 8, "data must start 8-byte aligned");
        assertEquals(8 + headerLength + 4 * MODEL.elementCount(), bytes.length);
        JsonNode header = new ObjectMapper().readTree(new String(bytes, 8, (int) headerLength, StandardCharsets.UTF_8));
        assertEquals("v", header.get("__metadata__").get("k").asText());
        long expectedBegin = 0;
        for (NamedTensor t : MODEL.tensors()) {
            JsonNode entry = header.get(t.name());
            assertEquals("F32", entry.get("dtype").asText());
            assertEquals(t.shape().length, entry.get("shape").size());
            assertEquals(expectedBegin, entry.get("data_offsets").get(0).asLong());
            assertEquals(expectedBegin + 4L * t.size(), entry.get("data_offsets").get(1).asLong());
            expectedBegin += 4L * t.size();
        }
        // -8.5f little-endian is 00 00 08 c1, the last value of conv1.weight.
        int at = (int) (8 + headerLength + 7 * 4);
        assertArrayEquals(new byte[] {0, 0, 0x08, (byte) 0xc1}, java.util.Arrays.copyOfRange(bytes, at, at + 4));
        assertFalse(Files.list(dir).anyMatch(p -> p.toString().endsWith(".tmp")));
    }

    @Test
    void readerRejectsInconsistentOffsets() {
        String json = "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}";
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer file = ByteBuffer.allocate(8 + header.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        file.putLong(header.length).put(header).putFloat(1).putFloat(2).flip();
        assertThrows(IllegalArgumentException.class, () -> SafetensorsReader.read(file));
    }
}
