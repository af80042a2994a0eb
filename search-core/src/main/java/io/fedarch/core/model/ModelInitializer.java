package io.fedarch.core.model;

import java.util.ArrayList;
import java.util.Arrays;
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
 * Batch-norm scale and running variance start at 1, shift and running mean at 0 (PyTorch's
 * defaults), and DARTS architecture weights α at 1e-3·N(0, 1) as in DARTS.
 */
public final class ModelInitializer {
    /** Names of architecture weights (the DARTS family's alpha.normal and alpha.reduce). */
    private static final String ARCHITECTURE_PREFIX = "alpha.";
    private static final double ARCHITECTURE_SCALE = 1e-3;

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
            SplittableRandom random = new SplittableRandom(Seeds.derive(seed, index++));
            Parameter.Type type = e.getValue().getType();
            if (e.getKey().startsWith(ARCHITECTURE_PREFIX)) {
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) (ARCHITECTURE_SCALE * random.nextGaussian());
                }
                tensors.add(new NamedTensor(e.getKey(), shape, values));
                continue;
            }
            if (type == Parameter.Type.GAMMA || type == Parameter.Type.RUNNING_VAR
                    || type == Parameter.Type.BETA || type == Parameter.Type.RUNNING_MEAN) {
                Arrays.fill(values, type == Parameter.Type.GAMMA || type == Parameter.Type.RUNNING_VAR ? 1f : 0f);
                tensors.add(new NamedTensor(e.getKey(), shape, values));
                continue;
            }
            if (shape.length >= 2) {
                // weight (out, in, k…): fan_in is everything but the output dimension
                fanIn = values.length / shape[0];
            }
            // A bias follows its layer's weight, so it reuses that weight's fan-in.
            double bound = 1.0 / Math.sqrt(Math.max(1, fanIn));
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
            }
            tensors.add(new NamedTensor(e.getKey(), shape, values));
        }
        return new ModelParameters(tensors);
    }
}
