package io.fedarch.core.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.fedarch.events.DType;
import io.fedarch.events.ModelState;
import io.fedarch.events.Tensor;

class TensorCodecTest {

    static ModelParameters sample() {
        Random random = new Random(4);
        float[] w = new float[2 * 3 * 5];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextGaussian();
        }
        return new ModelParameters(List.of(
                new NamedTensor("conv1.weight", new int[] {2, 3, 5}, w),
                new NamedTensor("conv1.bias", new int[] {2}, new float[] {0.125f, -3.5e-3f}),
                new NamedTensor("scalar", new int[] {}, new float[] {7f})));
    }

    @Test
    void fp32RoundTripIsExact() {
        ModelParameters original = sample();
        ModelState state = TensorCodec.toAvro(original, DType.FP32);
        assertEquals(4L * original.elementCount(), TensorCodec.encodedBytes(state));
        ModelParameters decoded = TensorCodec.fromAvro(state);
        assertEquals(original.names(), decoded.names());
        for (NamedTensor t : original.tensors()) {
            assertArrayEquals(t.shape(), decoded.get(t.name()).shape());
            assertArrayEquals(t.values(), decoded.get(t.name()).values());
        }
    }

    @Test
    void fp16RoundTripIsWithinHalfPrecision() {
        ModelParameters original = sample();
        ModelState state = TensorCodec.toAvro(original, DType.FP16);
        assertEquals(2L * original.elementCount(), TensorCodec.encodedBytes(state));
        ModelParameters decoded = TensorCodec.fromAvro(state);
        for (NamedTensor t : original.tensors()) {
            float[] back = decoded.get(t.name()).values();
            for (int i = 0; i < back.length; i++) {
                float v = t.values()[i];
                // 10 mantissa bits: relative error at most 2^-11 for normal halves.
                assertEquals(v, back[i], Math.abs(v) * 0x1p-11f + 1e-7f, t.name() + "[" + i + "]");
            }
        }
    }

    @Test
    void littleEndianLayout() {
        ModelState state = TensorCodec.toAvro(new ModelParameters(List.of(
                new NamedTensor("x", new int[] {1}, new float[] {1.0f}))), DType.FP32);
        ByteBuffer data = state.getTensors().get(0).getData();
        assertEquals(0, data.get(0));
        assertEquals(0, data.get(1));
        assertEquals((byte) 0x80, data.get(2));
        assertEquals((byte) 0x3f, data.get(3));
    }

    @Test
    void wrongByteLengthNamesTheTensor() {
        Tensor bad = Tensor.newBuilder().setName("fc1.weight").setShape(List.of(2, 2)).setDtype(DType.FP16)
                .setData(ByteBuffer.allocate(16)).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TensorCodec.fromAvro(ModelState.newBuilder().setTensors(List.of(bad)).build()));
        assertTrue(e.getMessage().contains("fc1.weight"), e.getMessage());
        assertTrue(e.getMessage().contains("8"), e.getMessage());
    }
}
