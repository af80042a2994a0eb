package io.fedarch.core.export;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;

/**
 * Writes model parameters in the safetensors format (huggingface/safetensors): an 8-byte
 * little-endian header length, a JSON header mapping each tensor name to its dtype, shape and
 * byte range, an optional {@code __metadata__} string map, then the tensors' little-endian bytes
 * back to back. Loadable by {@code safetensors.torch.load_file} and friends.
 */
public final class SafetensorsWriter {
    public static final String METADATA_KEY = "__metadata__";
    public static final String F32 = "F32";
    private static final ObjectMapper JSON = new ObjectMapper();

    private SafetensorsWriter() {
    }

    /** Writes atomically (temp file + move) so readers never see a half-written model. */
    public static void write(Path file, ModelParameters parameters, Map<String, String> metadata) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path temp = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
            try (OutputStream out = Files.newOutputStream(temp)) {
                write(out, parameters, metadata);
            } catch (IOException | RuntimeException e) {
                Files.deleteIfExists(temp);
                throw e;
            }
            Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    public static void write(OutputStream out, ModelParameters parameters, Map<String, String> metadata) throws IOException {
        byte[] header = header(parameters, metadata);
        ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length);
        out.write(length.array());
        out.write(header);
        for (NamedTensor t : parameters.tensors()) {
            ByteBuffer data = ByteBuffer.allocate(t.size() * 4).order(ByteOrder.LITTLE_ENDIAN);
            data.asFloatBuffer().put(t.values());
            out.write(data.array());
        }
    }

    /** The JSON header, space-padded to a multiple of 8 bytes so the data starts aligned. */
    static byte[] header(ModelParameters parameters, Map<String, String> metadata) throws JsonProcessingException {
        Map<String, Object> header = new LinkedHashMap<>();
        if (metadata != null && !metadata.isEmpty()) {
            header.put(METADATA_KEY, new LinkedHashMap<>(metadata));
        }
        long offset = 0;
        for (NamedTensor t : parameters.tensors()) {
            if (t.name().equals(METADATA_KEY)) {
                throw new IllegalArgumentException("a tensor may not be named " + METADATA_KEY);
            }
            long end = offset + 4L * t.size();
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("dtype", F32);
            entry.put("shape", t.shape());
            entry.put("data_offsets", new long[] {offset, end});
            header.put(t.name(), entry);
            offset = end;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        byte[] out = new byte[padded];
        System.arraycopy(json, 0, out, 0, json.length);
        for (int i = json.length; i < padded; i++) {
            out[i] = ' ';
        }
        return out;
    }
}
