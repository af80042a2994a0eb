package io.fedarch.core.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.fedarch.events.DType;
import io.fedarch.events.ModelState;
import io.fedarch.events.Tensor;

/** Converts model state between memory ({@link ModelParameters}) and the Avro wire form ({@link ModelState}). */
public final class TensorCodec {
    private TensorCodec() {
    }

    public static int bytesPerElement(DType dtype) {
        return switch (dtype) {
            case FP32 -> 4;
            case FP16 -> 2;
        };
    }

    /** Encodes every tensor little-endian in {@code dtype}; FP16 rounds to nearest even. */
    public static ModelState toAvro(ModelParameters parameters, DType dtype) {
        List<Tensor> tensors = new ArrayList<>(parameters.tensors().size());
        for (NamedTensor t : parameters.tensors()) {
            ByteBuffer data = ByteBuffer.allocate(t.size() * bytesPerElement(dtype)).order(ByteOrder.LITTLE_ENDIAN);
            if (dtype == DType.FP32) {
                data.asFloatBuffer().put(t.values());
            } else {
                for (float v : t.values()) {
                    data.putShort(HalfFloat.fromFloat(v));
                }
            }
            data.rewind();
            List<Integer> shape = new ArrayList<>(t.shape().length);
            for (int d : t.shape()) {
                shape.add(d);
            }
            tensors.add(Tensor.newBuilder().setName(t.name()).setShape(shape).setDtype(dtype).setData(data).build());
        }
        return ModelState.newBuilder().setTensors(tensors).build();
    }

    /**
     * Decodes the wire form back to fp32 tensors.
     *
     * @throws IllegalArgumentException naming the tensor whose byte length does not fit its shape and dtype
     */
    public static ModelParameters fromAvro(ModelState state) {
        List<NamedTensor> tensors = new ArrayList<>(state.getTensors().size());
        for (Tensor t : state.getTensors()) {
            int[] shape = new int[t.getShape().size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = t.getShape().get(i);
            }
            long elements;
            try {
                elements = NamedTensor.elementCount(shape);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("tensor '" + t.getName() + "': " + e.getMessage(), e);
            }
            DType dtype = t.getDtype() == null ? DType.FP32 : t.getDtype();
            ByteBuffer data = t.getData().duplicate().order(ByteOrder.LITTLE_ENDIAN);
            long expectedBytes = elements * bytesPerElement(dtype);
            if (data.remaining() != expectedBytes) {
                throw new IllegalArgumentException("tensor '" + t.getName() + "' has " + data.remaining()
                        + " bytes but shape " + Arrays.toString(shape) + " in " + dtype + " needs " + expectedBytes);
            }
            float[] values = new float[(int) elements];
            if (dtype == DType.FP32) {
                data.asFloatBuffer().get(values);
            } else {
                for (int i = 0; i < values.length; i++) {
                    values[i] = HalfFloat.toFloat(data.getShort());
                }
            }
            tensors.add(new NamedTensor(t.getName(), shape, values));
        }
        return new ModelParameters(tensors);
    }

    /** Total payload bytes of the tensors (names and shapes excluded). */
    public static long encodedBytes(ModelState state) {
        long total = 0;
        for (Tensor t : state.getTensors()) {
            total += t.getData().remaining();
        }
        return total;
    }
}
