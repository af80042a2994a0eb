package io.fedarch.core.ofa;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.fedarch.core.model.BatchNormLayer;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.model.ModelSummary;
import io.fedarch.core.model.ParameterRegistry;
import io.fedarch.core.model.SelfDescribingBlock;

/**
 * An elastic ResNet for 1×28×28 images: either the supernet of an {@link ElasticOptions} space
 * (tensors of the largest subnet, any subnet runnable by {@link #setActiveSubnet}, slicing the first
 * channels and the centre of each kernel at run time), or one subnet on its own (tensors of exactly
 * that subnet's shapes, as {@link SubnetExtraction} cuts them out). Both run the same code, so a
 * subnet cut from the supernet computes what the supernet computes with that subnet active.
 * Parameters are named like PyTorch's {@code stages.1.blocks.0.conv1.weight}.
 */
public final class ElasticResNet extends AbstractBlock implements SelfDescribingBlock {
    private static final byte VERSION = 1;

    private final ElasticOptions options;
    private final SubnetLayout capacity;
    private final int[] kernelCapacity;
    private final Map<String, Parameter> named;
    private final Map<String, BatchNormLayer> norms = new HashMap<>();
    private SubnetLayout active;
    /** The active subnet's region of every tensor it uses, computed once per subnet, not per batch. */
    private Map<String, SubnetLayout.Box> activeBoxes;

    /** The supernet of the space. */
    public static ElasticResNet supernet(ElasticOptions options) {
        return new ElasticResNet(options, SubnetConfig.largest(options), true);
    }

    /** One subnet on its own, its tensors shaped to it. */
    public static ElasticResNet standalone(ElasticOptions options, SubnetConfig subnet) {
        return new ElasticResNet(options, subnet, false);
    }

    private ElasticResNet(ElasticOptions options, SubnetConfig shape, boolean supernet) {
        super(VERSION);
        this.options = options;
        this.capacity = SubnetLayout.of(options, shape);
        this.kernelCapacity = new int[options.blocks()];
        int largest = options.kernels()[options.kernels().length - 1];
        for (int b = 0; b < kernelCapacity.length; b++) {
            kernelCapacity[b] = supernet ? largest : options.kernels()[shape.kernels()[b]];
        }
        ParameterRegistry registry = new ParameterRegistry();
        for (Map.Entry<String, SubnetLayout.Box> e : capacity.boxes(b -> kernelCapacity[b]).entrySet()) {
            String name = e.getKey();
            int[] extent = e.getValue().extent();
            if (name.endsWith(".weight") && name.contains(".bn")) {
                String prefix = name.substring(0, name.length() - ".weight".length());
                norms.put(prefix, new BatchNormLayer(registry, prefix, extent[0], true));
            } else if (name.contains(".bn")) {
                continue; // registered with its layer's .weight
            } else if (name.equals("classifier.bias")) {
                registry.bias(name, extent[0]);
            } else {
                registry.weight(name, toLong(extent));
            }
        }
        named = registry.all();
        for (Parameter p : named.values()) {
            addParameter(p);
        }
        this.active = capacity;
        this.activeBoxes = capacity.boxes(b -> kernelCapacity[b]);
    }

    /**
     * Runs {@code subnet} from now on.
     *
     * @throws IllegalArgumentException when it does not fit inside this network
     */
    public void setActiveSubnet(SubnetConfig subnet) {
        SubnetLayout layout = SubnetLayout.of(options, subnet);
        Map<String, SubnetLayout.Box> boxes = layout.boxes(b -> kernelCapacity[b]);
        for (Map.Entry<String, SubnetLayout.Box> e : boxes.entrySet()) {
            Parameter p = named.get(e.getKey());
            if (p == null || !inside(e.getValue(), p.getShape())) {
                throw new IllegalArgumentException("subnet " + subnet + " does not fit this network (" + e.getKey() + ")");
            }
        }
        this.active = layout;
        this.activeBoxes = boxes;
    }

    public SubnetConfig activeSubnet() {
        return active.config();
    }

    public ElasticOptions options() {
        return options;
    }

    @Override
    public Map<String, Parameter> namedParameters() {
        return named;
    }

    @Override
    protected NDList forwardInternal(ParameterStore parameterStore, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        Map<String, SubnetLayout.Box> boxes = activeBoxes;
        NDArray x = inputs.singletonOrThrow();
        x = conv(x, slice("stem.conv.weight", boxes, x), options.stemStride(), SubnetLayout.STEM_KERNEL / 2);
        x = Activation.relu(norm("stem.bn", x, training));
        for (SubnetLayout.Block b : active.blocks()) {
            String p = b.prefix();
            NDArray h = conv(x, slice(p + ".conv1.weight", boxes, x), b.stride(), b.kernel() / 2);
            h = Activation.relu(norm(p + ".bn1", h, training));
            h = conv(h, slice(p + ".conv2.weight", boxes, x), 1, b.kernel() / 2);
            h = Activation.relu(norm(p + ".bn2", h, training));
            NDArray shortcut = x;
            if (b.downsample()) {
                NDArray pooled = b.stride() == 1 ? x : Pool.avgPool2d(x, new Shape(b.stride(), b.stride()),
                        new Shape(b.stride(), b.stride()), new Shape(0, 0), true, false);
                shortcut = norm(p + ".shortcut.bn", conv(pooled, slice(p + ".shortcut.conv.weight", boxes, x), 1, 0),
                        training);
            }
            x = Activation.relu(h.add(shortcut));
        }
        NDArray pooled = Pool.globalAvgPool2d(x);
        return Linear.linear(pooled, slice("classifier.weight", boxes, x), named.get("classifier.bias").getArray());
    }

    /** The tensor's region for the active subnet: the tensor itself when the region is all of it. */
    private NDArray slice(String name, Map<String, SubnetLayout.Box> boxes, NDArray batch) {
        NDArray full = named.get(name).getArray();
        SubnetLayout.Box box = boxes.get(name);
        if (java.util.Arrays.equals(box.extent(), toInt(full.getShape()))) {
            return full;
        }
        StringBuilder index = new StringBuilder();
        for (int d = 0; d < box.from().length; d++) {
            index.append(d == 0 ? "" : ",").append(box.from()[d]).append(':').append(box.to()[d]);
        }
        NDArray part = full.get(new NDIndex(index.toString()));
        // A slice of a parameter lands in the parameters' manager: hand it to the batch's.
        part.attach(batch.getManager());
        return part;
    }

    private NDArray norm(String prefix, NDArray x, boolean training) {
        BatchNormLayer layer = norms.get(prefix);
        if (layer == null) {
            return x; // BN off: the reference's frozen identity
        }
        long channels = x.getShape().get(1);
        return channels == named.get(prefix + ".weight").getShape().get(0) ? layer.apply(x, training)
                : layer.applyChannels(x, 0, training);
    }

    private static NDArray conv(NDArray x, NDArray weight, int stride, int padding) {
        return Conv2d.conv2d(x, weight, null, new Shape(stride, stride), new Shape(padding, padding), new Shape(1, 1), 1)
                .singletonOrThrow();
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), ModelFactory.CLASSES)};
    }

    @Override
    protected void prepare(Shape[] inputShapes) {
        // Every parameter's shape is known from the options alone.
    }

    /** Stem, blocks and classifier of the active subnet with parameters and MACs per image. */
    @Override
    public List<ModelSummary.Layer> describeLayers() {
        SubnetLayout a = active;
        Map<String, SubnetLayout.Box> boxes = a.supernetBoxes();
        List<ModelSummary.Layer> layers = new ArrayList<>();
        long[] stemOut = {a.stemChannels(), a.stemSize(), a.stemSize()};
        layers.add(new ModelSummary.Layer("stem", "Conv3x3", new long[] {options.inputChannels(), options.inputHeight(),
                options.inputWidth()}, stemOut, count(boxes, "stem."), a.stemMacs()));
        long[] in = stemOut;
        for (SubnetLayout.Block b : a.blocks()) {
            long[] out = {b.out(), b.outSize(), b.outSize()};
            layers.add(new ModelSummary.Layer(b.prefix(), "ResidualBlock(k" + b.kernel() + ",mid" + b.mid() + ")", in, out,
                    count(boxes, b.prefix() + "."), b.macs()));
            in = out;
        }
        layers.add(new ModelSummary.Layer("classifier", "GlobalAvgPoolLinear", in, new long[] {ModelFactory.CLASSES},
                count(boxes, "classifier."), a.classifierMacs()));
        return layers;
    }

    private static long count(Map<String, SubnetLayout.Box> boxes, String prefix) {
        return boxes.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).mapToLong(e -> e.getValue().size()).sum();
    }

    private static boolean inside(SubnetLayout.Box box, Shape shape) {
        if (box.to().length != shape.dimension()) {
            return false;
        }
        for (int d = 0; d < box.to().length; d++) {
            if (box.from()[d] < 0 || box.to()[d] > shape.get(d)) {
                return false;
            }
        }
        return true;
    }

    private static long[] toLong(int[] dims) {
        long[] out = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            out[i] = dims[i];
        }
        return out;
    }

    private static int[] toInt(Shape shape) {
        int[] out = new int[shape.dimension()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (int) shape.get(i);
        }
        return out;
    }
}
