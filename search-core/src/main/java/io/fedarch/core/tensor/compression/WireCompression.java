package io.fedarch.core.tensor.compression;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import io.fedarch.core.tensor.HalfFloat;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.events.DType;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelState;
import io.fedarch.events.Tensor;
import io.fedarch.events.TensorEncoding;
import io.fedarch.events.UpdateCodec;
import io.fedarch.events.UpdateCompression;

/**
 * A job's compressed model state on the wire ({@code JobSpec.compression}), with error feedback:
 * each direction's sender keeps a residual, what its codec dropped, and adds it to what it sends
 * next. Only large weight tensors are compressed; architecture parameters (α, which decide the
 * search), BN running statistics (not trained by gradients; averaged or pooled as they are) and
 * tensors under {@link #MIN_ELEMENTS} values (biases, BN affine, where a scale or index costs as
 * much as it saves) travel as they are, DENSE in the job's tensorDType.
 */
public final class WireCompression {
    /** Smaller tensors travel DENSE. */
    public static final int MIN_ELEMENTS = 32;
    /**
     * INT8 uses one scale per row only for rows of at least this many values; shorter rows share one
     * (a 4-byte scale per row of 9 or 25 values, DARTS's depthwise kernels, would cost 16-44 % more).
     */
    public static final int MIN_ROW_WIDTH = 64;

    private WireCompression() {
    }

    /**
     * @param state    what goes on the wire
     * @param residual what the codecs dropped, per compressed tensor (the next message's error feedback)
     */
    public record Encoded(ModelState state, ModelParameters residual) {
    }

    /** Whether the job compresses anything; false keeps today's wire form (full tensors in tensorDType). */
    public static boolean active(JobSpec spec) {
        UpdateCompression c = spec.getCompression();
        return c != null && (c.getUplink() != UpdateCodec.NONE || c.getDownlink() != UpdateCodec.NONE);
    }

    /** Whether a tensor of this name and size is compressed (the others travel DENSE, as they are). */
    public static boolean compressible(String name, int size) {
        return size >= MIN_ELEMENTS && !name.startsWith("alpha.") && !isStatistic(name);
    }

    /**
     * BN running statistics: under compression they travel DENSE in FP16 whatever tensorDType says,
     * whole values both ways (3 significant digits are plenty for a running mean or variance, and FP16
     * never turns a small variance negative or zero, as 8 bits of a difference could). A DARTS
     * supernet holds 5,784 of them in 78,646 values (C=4, 3 cells): at FP32 they alone would cost 7 % of
     * the dense model.
     */
    public static boolean isStatistic(String name) {
        return name.endsWith("running_mean") || name.endsWith("running_var") || name.endsWith("num_batches_tracked");
    }

    private static DType denseType(String name, DType dtype) {
        return isStatistic(name) ? DType.FP16 : dtype;
    }

    /**
     * A client's update: each compressible tensor as the difference (trained − received) plus the
     * client's residual, coded with the job's uplink codec; the others as trained.
     *
     * @param received the model the task carried, as the client decoded it
     * @param residual the client's residual from its previous update of this job, or null
     */
    public static Encoded update(ModelParameters trained, ModelParameters received, ModelParameters residual,
                                 UpdateCompression compression, DType dtype) {
        List<Tensor> tensors = new ArrayList<>();
        List<NamedTensor> dropped = new ArrayList<>();
        for (NamedTensor t : trained.tensors()) {
            if (!compressible(t.name(), t.size()) || !received.contains(t.name())) {
                tensors.add(dense(t.name(), t.shape(), t.values(), denseType(t.name(), dtype), false).tensor());
                continue;
            }
            float[] base = received.get(t.name()).values();
            float[] carried = residualOf(residual, t);
            if (java.util.Arrays.equals(t.values(), base)) {
                // Not trained this round (e.g. FedAvg's BN statistics pass): a zero difference, and the residual
                // waits for a round that trains, rather than moving weights whose statistics were just measured.
                Coded zero = code(t.name(), t.shape(), new float[t.size()], compression.getUplink(),
                        compression.getTopKFraction(), dtype, true);
                tensors.add(zero.tensor());
                dropped.add(new NamedTensor(t.name(), t.shape(), carried.clone()));
                continue;
            }
            float[] difference = new float[t.size()];
            for (int i = 0; i < difference.length; i++) {
                difference[i] = t.values()[i] - base[i] + carried[i];
            }
            Coded coded = code(t.name(), t.shape(), difference, compression.getUplink(),
                    compression.getTopKFraction(), dtype, true);
            tensors.add(coded.tensor());
            dropped.add(new NamedTensor(t.name(), t.shape(), minus(difference, coded.decoded())));
        }
        return new Encoded(ModelState.newBuilder().setTensors(tensors).build(), new ModelParameters(dropped));
    }

    /**
     * The coordinator's model as tasks carry it: each compressible tensor plus the coordinator's
     * residual, coded with the job's downlink codec (whole values, not differences: workers are
     * stateless); the others as they are.
     *
     * @param residual what earlier broadcasts of this job dropped, or null
     */
    public static Encoded broadcast(ModelParameters global, ModelParameters residual, UpdateCompression compression,
                                    DType dtype) {
        List<Tensor> tensors = new ArrayList<>();
        List<NamedTensor> dropped = new ArrayList<>();
        for (NamedTensor t : global.tensors()) {
            if (!compressible(t.name(), t.size()) || compression.getDownlink() == UpdateCodec.NONE) {
                DType type = compression.getDownlink() == UpdateCodec.NONE ? dtype : denseType(t.name(), dtype);
                tensors.add(dense(t.name(), t.shape(), t.values(), type, false).tensor());
                continue;
            }
            float[] carried = residualOf(residual, t);
            float[] target = new float[t.size()];
            for (int i = 0; i < target.length; i++) {
                target[i] = t.values()[i] + carried[i];
            }
            Coded coded = code(t.name(), t.shape(), target, compression.getDownlink(),
                    compression.getTopKFraction(), dtype, false);
            tensors.add(coded.tensor());
            dropped.add(new NamedTensor(t.name(), t.shape(), minus(target, coded.decoded())));
        }
        return new Encoded(ModelState.newBuilder().setTensors(tensors).build(), new ModelParameters(dropped));
    }

    /** One tensor on the wire, and the values its receiver will decode from it. */
    record Coded(Tensor tensor, float[] decoded) {
    }

    /** One tensor in {@code codec}; non-finite values go DENSE so the receiver names them when it refuses them. */
    static Coded code(String name, int[] shape, float[] values, UpdateCodec codec, double fraction, DType dtype,
                      boolean delta) {
        if (codec == UpdateCodec.NONE || !allFinite(values)) {
            return dense(name, shape, values, dtype, delta);
        }
        if (codec == UpdateCodec.INT8) {
            // One scale per output channel (row), unless rows are so short that scales would cost more than they save.
            int rows = shape.length >= 2 && values.length / shape[0] >= MIN_ROW_WIDTH ? shape[0] : 1;
            Int8Quantization.Quantized q = Int8Quantization.quantize(values, rows);
            ByteBuffer scales = ByteBuffer.allocate(4 * q.scales().length).order(ByteOrder.LITTLE_ENDIAN);
            scales.asFloatBuffer().put(q.scales());
            return new Coded(tensor(name, shape, DType.FP32, TensorEncoding.INT8, delta, ByteBuffer.wrap(q.q()), scales,
                    ByteBuffer.allocate(0)), Int8Quantization.dequantize(q.q(), q.scales()));
        }
        int[] kept = TopKSparsification.largest(values, TopKSparsification.count(values.length, fraction));
        float[] sent = new float[kept.length];
        for (int j = 0; j < kept.length; j++) {
            sent[j] = values[kept[j]];
        }
        ByteBuffer data = valueBytes(sent, dtype);
        float[] decoded = new float[values.length];
        float[] rounded = roundTrip(sent, dtype);
        ByteBuffer indices = ByteBuffer.allocate(4 * kept.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int j = 0; j < kept.length; j++) {
            indices.putInt(kept[j]);
            decoded[kept[j]] = rounded[j];
        }
        indices.rewind();
        return new Coded(tensor(name, shape, dtype, TensorEncoding.TOPK, delta, data, ByteBuffer.allocate(0), indices),
                decoded);
    }

    private static Coded dense(String name, int[] shape, float[] values, DType dtype, boolean delta) {
        return new Coded(tensor(name, shape, dtype, TensorEncoding.DENSE, delta, valueBytes(values, dtype),
                ByteBuffer.allocate(0), ByteBuffer.allocate(0)), roundTrip(values, dtype));
    }

    private static Tensor tensor(String name, int[] shape, DType dtype, TensorEncoding encoding, boolean delta,
                                 ByteBuffer data, ByteBuffer scales, ByteBuffer indices) {
        List<Integer> dims = new ArrayList<>(shape.length);
        for (int d : shape) {
            dims.add(d);
        }
        return Tensor.newBuilder().setName(name).setShape(dims).setDtype(dtype).setEncoding(encoding).setDelta(delta)
                .setData(data).setScales(scales).setIndices(indices).build();
    }

    private static ByteBuffer valueBytes(float[] values, DType dtype) {
        ByteBuffer data = ByteBuffer.allocate(values.length * (dtype == DType.FP16 ? 2 : 4)).order(ByteOrder.LITTLE_ENDIAN);
        if (dtype == DType.FP16) {
            for (float v : values) {
                data.putShort(HalfFloat.fromFloat(v));
            }
        } else {
            data.asFloatBuffer().put(values);
        }
        data.rewind();
        return data;
    }

    private static float[] roundTrip(float[] values, DType dtype) {
        if (dtype != DType.FP16) {
            return values.clone();
        }
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = HalfFloat.toFloat(HalfFloat.fromFloat(values[i]));
        }
        return out;
    }

    private static float[] residualOf(ModelParameters residual, NamedTensor t) {
        if (residual != null && residual.contains(t.name()) && residual.get(t.name()).sameShape(t)) {
            return residual.get(t.name()).values();
        }
        return new float[t.size()];
    }

    private static float[] minus(float[] a, float[] b) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] - b[i];
        }
        return out;
    }

    private static boolean allFinite(float[] values) {
        for (float v : values) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }
}
