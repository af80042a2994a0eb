package io.fedarch.core.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Convolution;
import ai.djl.nn.core.Linear;
import ai.djl.util.Pair;
import io.fedarch.events.ModelSpec;

/**
 * Size and cost of a network for one input image: parameter count, multiply–accumulates of a
 * forward pass (convolutions and linear layers, which dominate; activations and pooling are not
 * counted) and a layer-by-layer description for exported artefacts.
 *
 * @param layers in execution order; shapes exclude the batch dimension
 */
public record ModelSummary(String family, long parameters, long macs, long[] inputShape, List<Layer> layers) {

    /** One top-level layer of the network. */
    public record Layer(String name, String type, long[] inputShape, long[] outputShape, long parameters, long macs) {
    }

    public static ModelSummary of(ModelSpec spec) {
        try (NDManager manager = Engines.newManager()) {
            Block block = ModelFactory.buildAllocated(spec, manager);
            return of(spec.getFamily(), block, ModelFactory.inputShape(spec, 1));
        }
    }

    /** Summarises an initialised block for inputs of {@code input} (batch dimension first). */
    public static ModelSummary of(String family, Block block, Shape input) {
        if (block instanceof SelfDescribingBlock self) {
            List<Layer> layers = self.describeLayers();
            long params = layers.stream().mapToLong(Layer::parameters).sum();
            long macs = layers.stream().mapToLong(Layer::macs).sum();
            return new ModelSummary(family, params, macs, withoutBatch(input), List.copyOf(layers));
        }
        List<Pair<String, Block>> children = block instanceof SequentialBlock
                ? block.getChildren().stream().toList()
                : List.of(new Pair<>(block.getClass().getSimpleName(), block));
        Map<String, Integer> perPrefix = new HashMap<>();
        List<Layer> layers = new ArrayList<>();
        Shape current = input;
        long totalParams = 0;
        long totalMacs = 0;
        for (Pair<String, Block> child : children) {
            Block b = child.getValue();
            Shape out = b.getOutputShapes(new Shape[] {current})[0];
            long params = 0;
            for (Pair<String, Parameter> p : b.getParameters()) {
                params += p.getValue().getArray().size();
            }
            long macs = macs(b, out);
            String prefix = b instanceof LambdaBlock lambda
                    ? lambda.getName().toLowerCase(Locale.ROOT)
                    : BlockParameters.prefixForType(b.getClass().getSimpleName());
            String name = prefix + perPrefix.merge(prefix, 1, Integer::sum);
            layers.add(new Layer(name, b instanceof LambdaBlock lambda ? lambda.getName() : b.getClass().getSimpleName(),
                    withoutBatch(current), withoutBatch(out), params, macs));
            totalParams += params;
            totalMacs += macs;
            current = out;
        }
        return new ModelSummary(family, totalParams, totalMacs, withoutBatch(input), List.copyOf(layers));
    }

    /** A plain map (strings, numbers, lists) ready for JSON serialisation. */
    public Map<String, Object> describe() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("family", family);
        out.put("parameters", parameters);
        out.put("macs", macs);
        out.put("inputShape", toList(inputShape));
        List<Map<String, Object>> layerMaps = new ArrayList<>();
        for (Layer l : layers) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", l.name());
            m.put("type", l.type());
            m.put("inputShape", toList(l.inputShape()));
            m.put("outputShape", toList(l.outputShape()));
            m.put("parameters", l.parameters());
            m.put("macs", l.macs());
            layerMaps.add(m);
        }
        out.put("layers", layerMaps);
        return out;
    }

    /** For a convolution or linear layer, each output element costs (weight elements / output units) MACs. */
    private static long macs(Block b, Shape out) {
        if (!(b instanceof Convolution) && !(b instanceof Linear)) {
            return 0;
        }
        Shape weight = null;
        for (Pair<String, Parameter> p : b.getParameters()) {
            if (p.getValue().getType() == Parameter.Type.WEIGHT) {
                weight = p.getValue().getArray().getShape();
            }
        }
        if (weight == null) {
            return 0;
        }
        long outputElements = out.size() / out.get(0);
        return outputElements * (weight.size() / weight.get(0));
    }

    private static long[] withoutBatch(Shape shape) {
        long[] dims = new long[shape.dimension() - 1];
        for (int i = 1; i < shape.dimension(); i++) {
            dims[i - 1] = shape.get(i);
        }
        return dims;
    }

    private static List<Long> toList(long[] dims) {
        List<Long> list = new ArrayList<>();
        for (long d : dims) {
            list.add(d);
        }
        return list;
    }
}
