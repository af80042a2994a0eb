package io.fedarch.core.export.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds one ONNX model: float initializers, nodes in execution order, and a float input
 * {@code [batch, C, H, W]} whose batch dimension is symbolic, with a {@code [batch, classes]} output.
 * {@link #toModelBytes()} encodes ModelProto / GraphProto / NodeProto / TensorProto / ValueInfoProto
 * with onnx.proto's field numbers. Value names are generated ({@code <hint>_<n>}) so that callers
 * never collide; initializers keep the parameter names of the network they come from.
 */
public final class OnnxGraph {
    /** Opset 17: every operator used here in its current form, and supported by ONNX Runtime since 1.12. */
    public static final int OPSET = 17;
    /** IR version 8 is the one that introduced opset 17's era (ONNX 1.12). */
    static final int IR_VERSION = 8;
    static final String BATCH_DIMENSION = "batch";

    private static final int TENSOR_FLOAT = 1;
    private static final int TENSOR_INT64 = 7;

    private final List<ProtobufWriter> nodes = new ArrayList<>();
    private final List<ProtobufWriter> initializers = new ArrayList<>();
    private final Map<String, long[]> initializerShapes = new HashMap<>();
    private final Map<String, Integer> hints = new HashMap<>();
    private final String inputName;
    private final long[] inputShape;
    private String outputName;
    private long[] outputShape;

    /**
     * @param inputName  the graph input's name
     * @param channels   input channels; height and width likewise (the batch dimension is symbolic)
     */
    public OnnxGraph(String inputName, int channels, int height, int width) {
        this.inputName = inputName;
        this.inputShape = new long[] {-1, channels, height, width};
    }

    public String input() {
        return inputName;
    }

    /** A float initializer under {@code name}; the values are copied in row-major order. */
    public String constant(String name, long[] shape, float[] values) {
        if (initializerShapes.containsKey(name)) {
            throw new IllegalArgumentException("initializer " + name + " is defined twice");
        }
        long count = 1;
        for (long d : shape) {
            count *= d;
        }
        if (count != values.length) {
            throw new IllegalArgumentException("initializer " + name + " has " + values.length
                    + " values for shape " + java.util.Arrays.toString(shape));
        }
        ByteBuffer raw = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        initializers.add(tensor(name, shape, TENSOR_FLOAT, raw.array()));
        initializerShapes.put(name, shape.clone());
        return name;
    }

    /** An int64 initializer (the index inputs of Slice and the like). */
    public String int64Constant(String hint, long... values) {
        String name = fresh(hint);
        ByteBuffer raw = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        raw.asLongBuffer().put(values);
        initializers.add(tensor(name, new long[] {values.length}, TENSOR_INT64, raw.array()));
        initializerShapes.put(name, new long[] {values.length});
        return name;
    }

    public boolean hasInitializer(String name) {
        return initializerShapes.containsKey(name);
    }

    /** The shape of an initializer added before. */
    public long[] shapeOf(String initializer) {
        long[] shape = initializerShapes.get(initializer);
        if (shape == null) {
            throw new IllegalArgumentException("no initializer " + initializer);
        }
        return shape.clone();
    }

    /** Appends a node with one output, named after {@code hint}; returns the output's name. */
    public String node(String opType, List<String> inputs, OnnxAttribute... attributes) {
        String output = fresh(opType.toLowerCase(java.util.Locale.ROOT));
        ProtobufWriter node = new ProtobufWriter();
        for (String in : inputs) {
            node.string(1, in);
        }
        node.string(2, output).string(3, output).string(4, opType);
        for (OnnxAttribute a : attributes) {
            node.message(5, a.encode());
        }
        nodes.add(node);
        return output;
    }

    /** Marks {@code value} as the graph output, named {@code name}, of shape [batch, columns]. */
    public void output(String value, String name, int columns) {
        // An Identity gives the output its public name whatever node produced it.
        ProtobufWriter node = new ProtobufWriter().string(1, value).string(2, name).string(3, name)
                .string(4, "Identity");
        nodes.add(node);
        outputName = name;
        outputShape = new long[] {-1, columns};
    }

    /** The serialized ModelProto. */
    public byte[] toModelBytes() {
        if (outputName == null) {
            throw new IllegalStateException("the graph has no output");
        }
        ProtobufWriter graph = new ProtobufWriter();
        nodes.forEach(n -> graph.message(1, n));
        graph.string(2, "fedarch");
        initializers.forEach(t -> graph.message(5, t));
        graph.message(11, valueInfo(inputName, inputShape));
        graph.message(12, valueInfo(outputName, outputShape));
        return new ProtobufWriter()
                .varint(1, IR_VERSION)
                .string(2, "fedarch")
                .string(3, "0.1.0")
                .message(7, graph)
                .message(8, new ProtobufWriter().string(1, "").varint(2, OPSET))
                .toByteArray();
    }

    private String fresh(String hint) {
        int n = hints.merge(hint, 1, Integer::sum);
        return hint + "_" + n;
    }

    /** TensorProto: dims (1), data_type (2), name (8), raw_data (9, little-endian). */
    private static ProtobufWriter tensor(String name, long[] shape, int dataType, byte[] raw) {
        return new ProtobufWriter().packedInt64(1, shape).varint(2, dataType).string(8, name).bytes(9, raw);
    }

    /** ValueInfoProto of a float tensor; a negative dimension is the symbolic batch dimension. */
    private static ProtobufWriter valueInfo(String name, long[] shape) {
        ProtobufWriter dims = new ProtobufWriter();
        for (long d : shape) {
            ProtobufWriter dim = new ProtobufWriter();
            if (d < 0) {
                dim.string(2, BATCH_DIMENSION);
            } else {
                dim.varint(1, d);
            }
            dims.message(1, dim);
        }
        ProtobufWriter tensorType = new ProtobufWriter().varint(1, TENSOR_FLOAT).message(2, dims);
        ProtobufWriter type = new ProtobufWriter().message(1, tensorType);
        return new ProtobufWriter().string(1, name).message(2, type);
    }
}
