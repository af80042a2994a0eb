package io.fedarch.core.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;

/**
 * Moves parameter values between a DJL {@link Block} and {@link ModelParameters} under stable,
 * framework-neutral names. DJL's paths look like {@code 01Conv2d_weight}; the ordinal prefix
 * depends on where a layer sits among parameter-free blocks, so it is replaced by a per-type
 * counter: {@code conv1.weight}, {@code conv1.bias}, {@code conv2.weight}, …, {@code fc1.weight}.
 */
public final class BlockParameters {
    private static final Map<String, String> TYPE_PREFIXES = Map.of(
            "Conv2d", "conv", "Conv1d", "conv1d", "Conv3d", "conv3d", "Linear", "fc", "BatchNorm", "bn",
            "LayerNorm", "ln", "Embedding", "embedding");

    private BlockParameters() {
    }

    /**
     * The block's parameters in DJL order, keyed by stable name (a {@link SelfDescribingBlock}
     * names its own). The block must be initialised.
     */
    public static Map<String, Parameter> named(Block block) {
        if (block instanceof SelfDescribingBlock self) {
            return self.namedParameters();
        }
        Map<String, String> layerNames = new HashMap<>();
        Map<String, Integer> perPrefix = new HashMap<>();
        Map<String, Parameter> named = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : block.getParameters()) {
            String path = p.getKey();
            int cut = path.lastIndexOf('_');
            String layerPath = cut < 0 ? "" : path.substring(0, cut);
            String paramName = cut < 0 ? path : path.substring(cut + 1);
            String layer = layerNames.computeIfAbsent(layerPath, lp -> {
                String prefix = prefixFor(lp);
                return prefix + perPrefix.merge(prefix, 1, Integer::sum);
            });
            named.put(layer + "." + paramName, p.getValue());
        }
        return named;
    }

    /** The stable names of the block's parameters, in order. */
    public static List<String> names(Block block) {
        return new ArrayList<>(named(block).keySet());
    }

    /** Copies the block's current values out. */
    public static ModelParameters read(Block block) {
        List<NamedTensor> tensors = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : named(block).entrySet()) {
            NDArray array = e.getValue().getArray();
            tensors.add(new NamedTensor(e.getKey(), toIntShape(array.getShape()), array.toFloatArray()));
        }
        return new ModelParameters(tensors);
    }

    /**
     * Overwrites the block's values with {@code parameters}.
     *
     * @throws IllegalArgumentException when names or shapes differ from the block's, before anything is written
     */
    public static void load(Block block, ModelParameters parameters) {
        Map<String, Parameter> named = named(block);
        List<NamedTensor> expected = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : named.entrySet()) {
            int[] shape = toIntShape(e.getValue().getArray().getShape());
            expected.add(new NamedTensor(e.getKey(), shape, new float[Math.toIntExact(NamedTensor.elementCount(shape))]));
        }
        new ModelParameters(expected).requireCompatible(parameters);
        for (Map.Entry<String, Parameter> e : named.entrySet()) {
            InPlaceWrite.overwrite(e.getValue().getArray(), parameters.get(e.getKey()).values());
        }
    }

    static int[] toIntShape(Shape shape) {
        int[] dims = new int[shape.dimension()];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = Math.toIntExact(shape.get(i));
        }
        return dims;
    }

    private static String prefixFor(String layerPath) {
        String last = layerPath.substring(layerPath.lastIndexOf('_') + 1);
        return prefixForType(last.replaceFirst("^[0-9]+", ""));
    }

    /** Short layer prefix for a DJL block class name, e.g. Conv2d → conv, Linear → fc. */
    static String prefixForType(String type) {
        String prefix = TYPE_PREFIXES.get(type);
        return prefix != null ? prefix : type.isEmpty() ? "param" : type.toLowerCase(java.util.Locale.ROOT);
    }
}
