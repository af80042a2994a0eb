package io.fedarch.core.model;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.core.util.Seeds;

/**
 * Deterministic initial weights. Values come from a Java PRNG seeded per tensor rather than from
 * the engine's global RNG, so every JVM builds the same version-0 model for a job seed and
 * concurrent tasks in one worker cannot disturb each other's draws.
 * <p>
 * The distribution is PyTorch's default for conv/linear layers: weights and biases uniform in
 * ±1/√fan_in, which trains well with plain SGD + momentum at learning rates around 0.05.
 */
public final class ModelInitializer {
    private ModelInitializer() {
    }

    public static ModelParameters initialize(io.fedarch.events.ModelSpec spec, long seed) {
        try (NDManager manager = Engines.newManager()) {
            Block block = ModelFactory.buildAllocated(spec, manager);
            return initialize(block, seed);
        }
    }

    /** Fresh values for an allocated block's parameters (the block itself is not modified). */
    public static ModelParameters initialize(Block block, long seed) {
        List<NamedTensor> tensors = new ArrayList<>();
        Map<String, Parameter> named = BlockParameters.named(block);
        int fanIn = 1;
        int index = 0;
        for (Map.Entry<String, Parameter> e : named.entrySet()) {
            int[] shape = BlockParameters.toIntShape(e.getValue().getArray().getShape());
            float[] values = new float[Math.toIntExact(NamedTensor.elementCount(shape))];
            if (shape.length >= 2) {
                // weight (out, in, k…): fan_in is everything but the output dimension
                fanIn = values.length / shape[0];
            }
            // A bias follows its layer's weight, so it reuses that weight's fan-in.
            double bound = 1.0 / Math.sqrt(Math.max(1, fanIn));
            SplittableRandom random = new SplittableRandom(Seeds.derive(seed, index++));
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
            }
            tensors.add(new NamedTensor(e.getKey(), shape, values));
        }
        return new ModelParameters(tensors);
    }
}
