package io.fedarch.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.Pair;
import io.fedarch.events.ModelSpec;

/**
 * A network's parameter count without allocating its parameters: every parameter gets a
 * one-element placeholder while the block infers its shapes, so a job asking for a billion-parameter
 * model is measured in microseconds and refused, instead of exhausting the memory of whoever
 * builds it first.
 */
public final class ModelSize {
    private ModelSize() {
    }

    /** Elements of every tensor the spec's network holds (weights, running statistics, α). */
    public static long parameters(ModelSpec spec) {
        Block block = ModelFactory.build(spec);
        block.setInitializer(new Placeholder(), parameter -> true);
        try (NDManager manager = Engines.newManager()) {
            block.initialize(manager, DataType.FLOAT32, ModelFactory.inputShape(spec, 1));
            long total = 0;
            for (Pair<String, Parameter> p : block.getParameters()) {
                Shape shape = p.getValue().getShape();
                total = Math.addExact(total, shape == null ? p.getValue().getArray().size() : shape.size());
            }
            return total;
        }
    }

    /** Allocates one element whatever the shape: the shape itself stays on the parameter. */
    private static final class Placeholder implements Initializer {
        @Override
        public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
            return manager.zeros(new Shape(1), dataType);
        }
    }
}
