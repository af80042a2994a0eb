package io.fedarch.core.export;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;

/** Reads F32 safetensors files such as those {@link SafetensorsWriter} produces, checking every offset. */
public final class SafetensorsReader {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A file's tensors (in data order) and its {@code __metadata__} map. */
    public record Content(ModelParameters parameters, Map<String, String> metadata) {
    }

    private SafetensorsReader() {
    }

    public static Content read(Path file) {
        try {
            return read(ByteBuffer.wrap(Files.readAllBytes(file)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Parses a whole safetensors file held in memory. */
    public static Content read(ByteBuffer bytes) throws IOException {
        ByteBuffer buf = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (buf.remaining() < 8) {
            throw new IllegalArgumentException("not a safetensors file: shorter than 8 bytes");
        }
        long headerLength = buf.getLong();
        if (headerLength < 2 || headerLength > buf.remaining()) {
            throw new IllegalArgumentException("safetensors header length " + headerLength + " does not fit the "
                    + buf.remaining() + " remaining bytes");
        }
        byte[] headerBytes = new byte[(int) headerLength];
        buf.get(headerBytes);
        JsonNode header = JSON.readTree(headerBytes);
        int dataStart = buf.position();
        long dataLength = buf.remaining();

        Map<String, String> metadata = new LinkedHashMap<>();
        List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals(SafetensorsWriter.METADATA_KEY)) {
                e.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
            } else {
                entries.add(e);
            }
        }
        entries.sort(Comparator.comparingLong(e -> e.getValue().get("data_offsets").get(0).asLong()));
        List<NamedTensor> tensors = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : entries) {
            String name = e.getKey();
            JsonNode info = e.getValue();
            if (!SafetensorsWriter.F32.equals(info.path("dtype").asText())) {
                throw new IllegalArgumentException("tensor '" + name + "' has dtype " + info.path("dtype").asText()
                        + "; only " + SafetensorsWriter.F32 + " is supported");
            }
            int[] shape = new int[info.get("shape").size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = info.get("shape").get(i).asInt();
            }
            long begin = info.get("data_offsets").get(0).asLong();
            long end = info.get("data_offsets").get(1).asLong();
            long elements = NamedTensor.elementCount(shape);
            if (begin < 0 || end > dataLength || end - begin != elements * 4) {
                throw new IllegalArgumentException("tensor '" + name + "' has data_offsets [" + begin + ", " + end
                        + "] inconsistent with shape " + java.util.Arrays.toString(shape) + " or the "
                        + dataLength + " data bytes");
            }
            float[] values = new float[(int) elements];
            ByteBuffer slice = buf.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            slice.position(dataStart + (int) begin);
            slice.asFloatBuffer().get(values);
            tensors.add(new NamedTensor(name, shape, values));
        }
        return new Content(new ModelParameters(tensors), metadata);
    }
}
