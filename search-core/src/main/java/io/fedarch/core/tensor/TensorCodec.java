package io.fedarch.core.tensor;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.fedarch.events.DType;
import io.fedarch.events.ModelState;
import io.fedarch.events.Tensor;
import io.fedarch.events.TensorEncoding;
import io.fedarch.core.tensor.compression.Int8Quantization;

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
            // Every field set: a builder default of an enum is made through the context class loader, which in
            // Quarkus tests is not the one that loaded this class.
            tensors.add(Tensor.newBuilder().setName(t.name()).setShape(shape).setDtype(dtype).setData(data)
                    .setEncoding(TensorEncoding.DENSE).setDelta(false).setScales(ByteBuffer.allocate(0))
                    .setIndices(ByteBuffer.allocate(0)).build());
        }
        return ModelState.newBuilder().setTensors(tensors).build();
    }

    /**
     * Decodes the wire form back to fp32 tensors; every encoding (DENSE, INT8, TOPK) but no
     * difference ({@code delta}), which needs its base: see {@link #fromAvro(ModelState, ModelParameters)}.
     *
     * @throws IllegalArgumentException naming the tensor whose bytes do not fit its shape and encoding
     */
    public static ModelParameters fromAvro(ModelState state) {
        return fromAvro(state, null);
    }

    /**
     * Decodes the wire form, adding each difference tensor ({@code delta}) to the tensor of the same
     * name in {@code base} (the receiver's exact copy of the model the difference was taken from).
     *
     * @param base null when no difference is acceptable
     * @throws IllegalArgumentException naming the tensor whose bytes do not fit its shape and encoding,
     *                                  or a difference without a base tensor of its shape
     */
    public static ModelParameters fromAvro(ModelState state, ModelParameters base) {
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
            float[] values = decodeValues(t, shape, (int) elements);
            if (Boolean.TRUE.equals(t.getDelta())) {
                NamedTensor reference = base == null || !base.contains(t.getName()) ? null : base.get(t.getName());
                if (reference == null || !Arrays.equals(reference.shape(), shape)) {
                    throw new IllegalArgumentException("tensor '" + t.getName() + "' is a difference, but "
                            + (base == null ? "no base model is known here" : "the base model has no tensor of shape "
                            + Arrays.toString(shape) + " by that name"));
                }
                float[] from = reference.values();
                for (int i = 0; i < values.length; i++) {
                    values[i] += from[i];
                }
            }
            tensors.add(new NamedTensor(t.getName(), shape, values));
        }
        return new ModelParameters(tensors);
    }

    private static float[] decodeValues(Tensor t, int[] shape, int elements) {
        TensorEncoding encoding = t.getEncoding() == null ? TensorEncoding.DENSE : t.getEncoding();
        DType dtype = t.getDtype() == null ? DType.FP32 : t.getDtype();
        ByteBuffer data = t.getData().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer scales = t.getScales() == null ? ByteBuffer.allocate(0) : t.getScales().duplicate();
        ByteBuffer indices = t.getIndices() == null ? ByteBuffer.allocate(0) : t.getIndices().duplicate();
        if (encoding != TensorEncoding.INT8 && scales.hasRemaining()) {
            throw new IllegalArgumentException("tensor '" + t.getName() + "' is " + encoding + " but has scales");
        }
        if (encoding != TensorEncoding.TOPK && indices.hasRemaining()) {
            throw new IllegalArgumentException("tensor '" + t.getName() + "' is " + encoding + " but has indices");
        }
        return switch (encoding) {
            case DENSE -> {
                long expectedBytes = (long) elements * bytesPerElement(dtype);
                if (data.remaining() != expectedBytes) {
                    throw new IllegalArgumentException("tensor '" + t.getName() + "' has " + data.remaining()
                            + " bytes but shape " + Arrays.toString(shape) + " in " + dtype + " needs " + expectedBytes);
                }
                float[] values = new float[elements];
                readValues(data, dtype, values);
                yield values;
            }
            case INT8 -> {
                if (data.remaining() != elements) {
                    throw new IllegalArgumentException("tensor '" + t.getName() + "' (INT8) has " + data.remaining()
                            + " bytes but shape " + Arrays.toString(shape) + " needs " + elements);
                }
                int rows = shape.length == 0 ? 1 : shape[0];
                int count = scales.remaining() / 4;
                if (scales.remaining() % 4 != 0 || !(count == 1 || (count == rows && elements > 0))) {
                    throw new IllegalArgumentException("tensor '" + t.getName() + "' (INT8) has " + scales.remaining()
                            + " bytes of scales; it needs 4 (one scale) or 4 x " + rows + " (one per row)");
                }
                byte[] q = new byte[elements];
                data.get(q);
                float[] s = new float[count];
                scales.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(s);
                yield Int8Quantization.dequantize(q, s);
            }
            case TOPK -> {
                int k = indices.remaining() / 4;
                if (indices.remaining() % 4 != 0 || k > elements
                        || data.remaining() != (long) k * bytesPerElement(dtype)) {
                    throw new IllegalArgumentException("tensor '" + t.getName() + "' (TOPK) has " + indices.remaining()
                            + " bytes of indices and " + data.remaining() + " of values in " + dtype + " for "
                            + elements + " elements; it needs 4 bytes per index, one value per index, at most one per element");
                }
                float[] kept = new float[k];
                readValues(data, dtype, kept);
                float[] values = new float[elements];
                indices.order(ByteOrder.LITTLE_ENDIAN);
                long previous = -1;
                for (int j = 0; j < k; j++) {
                    long position = Integer.toUnsignedLong(indices.getInt());
                    if (position <= previous || position >= elements) {
                        throw new IllegalArgumentException("tensor '" + t.getName() + "' (TOPK): index " + position
                                + " at " + j + " is not increasing or not below " + elements);
                    }
                    values[(int) position] = kept[j];
                    previous = position;
                }
                yield values;
            }
        };
    }

    private static void readValues(ByteBuffer data, DType dtype, float[] into) {
        if (dtype == DType.FP32) {
            data.asFloatBuffer().get(into);
        } else {
            for (int i = 0; i < into.length; i++) {
                into[i] = HalfFloat.toFloat(data.getShort());
            }
        }
    }

    /** Total payload bytes of the tensors (values, scales and indices; names and shapes excluded). */
    public static long encodedBytes(ModelState state) {
        long total = 0;
        for (Tensor t : state.getTensors()) {
            total += t.getData().remaining();
            total += t.getScales() == null ? 0 : t.getScales().remaining();
            total += t.getIndices() == null ? 0 : t.getIndices().remaining();
        }
        return total;
    }
}
