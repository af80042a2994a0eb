package io.fedarch.core.export.onnx;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;

/**
 * The layers the exported networks are made of, written as ONNX nodes on a graph whose weights come
 * from a network's named parameters. Each method takes the name of its input value and returns its
 * output's; parameters become initializers under their own names, each added once.
 */
public final class OnnxLayers {
    /** PyTorch's (and {@link io.fedarch.core.model.BatchNormLayer}'s) epsilon. */
    static final float BATCH_NORM_EPSILON = 1e-5f;

    private final OnnxGraph graph;
    private final ModelParameters parameters;
    /** Tensors computed from the parameters (cut out of stacked ones), looked up before them. */
    private final Map<String, NamedTensor> supplied = new HashMap<>();

    public OnnxLayers(OnnxGraph graph, ModelParameters parameters) {
        this.graph = graph;
        this.parameters = parameters;
    }

    /**
     * Makes tensors derived from the parameters (e.g. one edge's rows of a stacked supernet weight)
     * available under their own names, as if the network had them.
     */
    public void supply(List<NamedTensor> tensors) {
        for (NamedTensor t : tensors) {
            supplied.put(t.name(), t);
        }
    }

    /** x · factor for a constant scalar factor (named {@code name} in the graph). */
    public String scale(String x, String name, float factor) {
        return graph.node("Mul", List.of(x, graph.constant(name, new long[] {1}, new float[] {factor})));
    }

    public OnnxGraph graph() {
        return graph;
    }

    /** The network's named parameters (without the {@link #supply supplied} tensors). */
    public ModelParameters parameters() {
        return parameters;
    }

    public boolean has(String parameter) {
        return supplied.containsKey(parameter) || parameters.contains(parameter);
    }

    /** The parameter's shape. */
    public int[] shape(String parameter) {
        return tensor(parameter).shape().clone();
    }

    /**
     * A convolution without bias (or with {@code bias} when not null); groups equal to the weight's
     * output channels with one input channel per group make it depthwise.
     */
    public String conv(String x, String weight, String bias, int stride, int padding, int dilation, int groups) {
        int[] shape = shape(weight);
        List<String> inputs = bias == null ? List.of(x, param(weight)) : List.of(x, param(weight), param(bias));
        return graph.node("Conv", inputs,
                OnnxAttribute.ints("kernel_shape", shape[2], shape[3]),
                OnnxAttribute.ints("strides", stride, stride),
                OnnxAttribute.ints("pads", padding, padding, padding, padding),
                OnnxAttribute.ints("dilations", dilation, dilation),
                OnnxAttribute.of("group", (long) groups));
    }

    /** A depthwise convolution: one group per channel of the (C, 1, k, k) weight. */
    public String depthwise(String x, String weight, int stride, int padding, int dilation) {
        return conv(x, weight, null, stride, padding, dilation, shape(weight)[0]);
    }

    /**
     * Inference-mode batch normalisation with the running statistics {@code <prefix>.running_mean|var}
     * and, when the layer is affine, {@code <prefix>.weight|bias}; else a scale of ones and a shift of zeros.
     */
    public String batchNorm(String x, String prefix) {
        String mean = prefix + ".running_mean";
        int channels = shape(mean)[0];
        String scale;
        String shift;
        if (has(prefix + ".weight")) {
            scale = param(prefix + ".weight");
            shift = param(prefix + ".bias");
        } else {
            float[] ones = new float[channels];
            Arrays.fill(ones, 1f);
            scale = graph.constant(prefix + ".onnx_scale", new long[] {channels}, ones);
            shift = graph.constant(prefix + ".onnx_shift", new long[] {channels}, new float[channels]);
        }
        return graph.node("BatchNormalization", List.of(x, scale, shift, param(mean), param(prefix + ".running_var")),
                OnnxAttribute.of("epsilon", BATCH_NORM_EPSILON));
    }

    public String relu(String x) {
        return graph.node("Relu", List.of(x));
    }

    public String add(String a, String b) {
        return graph.node("Add", List.of(a, b));
    }

    /** Concatenation along the channels. */
    public String concatChannels(List<String> values) {
        return graph.node("Concat", values, OnnxAttribute.of("axis", 1L));
    }

    /** Max pooling with a square window, symmetric padding, floor mode. */
    public String maxPool(String x, int window, int stride, int padding) {
        return graph.node("MaxPool", List.of(x),
                OnnxAttribute.ints("kernel_shape", window, window),
                OnnxAttribute.ints("strides", stride, stride),
                OnnxAttribute.ints("pads", padding, padding, padding, padding),
                OnnxAttribute.of("ceil_mode", 0L));
    }

    /**
     * Average pooling with a square window; {@code countPadding} says whether zero padding counts in
     * the divisor.
     */
    public String avgPool(String x, int window, int stride, int padding, boolean ceil, boolean countPadding) {
        return graph.node("AveragePool", List.of(x),
                OnnxAttribute.ints("kernel_shape", window, window),
                OnnxAttribute.ints("strides", stride, stride),
                OnnxAttribute.ints("pads", padding, padding, padding, padding),
                OnnxAttribute.of("ceil_mode", ceil ? 1L : 0L),
                OnnxAttribute.of("count_include_pad", countPadding ? 1L : 0L));
    }

    /** (N, C, H, W) → (N, C) by averaging each channel. */
    public String globalAveragePoolFlat(String x) {
        return flatten(graph.node("GlobalAveragePool", List.of(x)));
    }

    /** (N, ...) → (N, rest) in row-major order, like DJL's batchFlatten. */
    public String flatten(String x) {
        return graph.node("Flatten", List.of(x), OnnxAttribute.of("axis", 1L));
    }

    /** y = x·Wᵀ + b for a (units, inputs) weight, as DJL's Linear. */
    public String linear(String x, String weight, String bias) {
        return graph.node("Gemm", List.of(x, param(weight), param(bias)), OnnxAttribute.of("transB", 1L));
    }

    /** x[:, :, 1:, 1:]: the input shifted by one pixel up and left. */
    public String shiftedByOnePixel(String x) {
        return graph.node("Slice", List.of(x, graph.int64Constant("slice_starts", 1, 1),
                graph.int64Constant("slice_ends", Long.MAX_VALUE, Long.MAX_VALUE),
                graph.int64Constant("slice_axes", 2, 3)));
    }

    /** x[:, :, ::2, ::2]: the pixels a stride-2 window with padding 1 is centred on (⌈H/2⌉ × ⌈W/2⌉). */
    public String everyOtherPixel(String x) {
        return graph.node("Slice", List.of(x, graph.int64Constant("slice_starts", 0, 0),
                graph.int64Constant("slice_ends", Long.MAX_VALUE, Long.MAX_VALUE),
                graph.int64Constant("slice_axes", 2, 3), graph.int64Constant("slice_steps", 2, 2)));
    }

    /** A 1×1 convolution padded by one zero row/column at the bottom/right only. */
    public String pointwiseEndPadded(String x, String weight, int stride) {
        int[] shape = shape(weight);
        return graph.node("Conv", List.of(x, param(weight)),
                OnnxAttribute.ints("kernel_shape", shape[2], shape[3]),
                OnnxAttribute.ints("strides", stride, stride),
                OnnxAttribute.ints("pads", 0, 0, 1, 1));
    }

    /** The parameter as an initializer (added on first use). */
    public String param(String name) {
        if (!graph.hasInitializer(name)) {
            NamedTensor t = tensor(name);
            long[] shape = Arrays.stream(t.shape()).asLongStream().toArray();
            graph.constant(name, shape, t.values());
        }
        return name;
    }

    private NamedTensor tensor(String name) {
        NamedTensor derived = supplied.get(name);
        if (derived != null) {
            return derived;
        }
        if (!parameters.contains(name)) {
            throw new IllegalArgumentException("the network's parameters lack " + name);
        }
        return parameters.get(name);
    }
}
