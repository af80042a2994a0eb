package io.fedarch.core.model;

import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import io.fedarch.events.ModelSpec;

/**
 * Builds the DJL network a {@link ModelSpec} describes, for 1×28×28 inputs and 10 classes, through
 * the {@link ModelFamily} its family names ("cnn", "darts", "darts-derived", … — each registers itself).
 */
public final class ModelFactory {
    public static final int CHANNELS = 1;
    public static final int HEIGHT = 28;
    public static final int WIDTH = 28;
    public static final int CLASSES = 10;

    private static Map<String, ModelFamily> families;

    private ModelFactory() {
    }

    /** The registered families' names. */
    public static Set<String> families() {
        return byName().keySet();
    }

    /** Shape of a batch of {@code batch} input images. */
    public static Shape inputShape(int batch) {
        return new Shape(batch, CHANNELS, HEIGHT, WIDTH);
    }

    /**
     * Checks that the spec names a known family with valid options, without building anything.
     *
     * @throws IllegalArgumentException listing the valid families or options
     */
    public static void validate(ModelSpec spec) {
        family(spec).validate(spec.getOptions());
    }

    /** The family's estimate of activation elements per training image ({@link ModelFamily#activationsPerImage}). */
    public static java.util.OptionalLong activationsPerImage(ModelSpec spec) {
        return family(spec).activationsPerImage(spec.getOptions());
    }

    /** An uninitialised network. */
    public static Block build(ModelSpec spec) {
        return family(spec).build(spec.getOptions());
    }

    /**
     * A network whose parameters are allocated (on {@code manager}) but hold arbitrary values;
     * load real values with {@link BlockParameters#load}.
     */
    public static Block buildAllocated(ModelSpec spec, NDManager manager) {
        Block block = build(spec);
        block.initialize(manager, DataType.FLOAT32, inputShape(1));
        return block;
    }

    private static ModelFamily family(ModelSpec spec) {
        String name = spec.getFamily() == null ? "" : spec.getFamily().toLowerCase(Locale.ROOT);
        ModelFamily family = byName().get(name);
        if (family == null) {
            throw new IllegalArgumentException("unknown model family '" + spec.getFamily() + "'; valid families: "
                    + byName().keySet());
        }
        return family;
    }

    private static synchronized Map<String, ModelFamily> byName() {
        if (families == null) {
            Map<String, ModelFamily> found = new TreeMap<>();
            ServiceLoader.load(ModelFamily.class, ModelFamily.class.getClassLoader())
                    .forEach(f -> found.put(f.name(), f));
            families = found;
        }
        return families;
    }
}
