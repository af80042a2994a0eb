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
import io.fedarch.events.InputShape;
import io.fedarch.events.ModelSpec;

/**
 * Builds the DJL network a {@link ModelSpec} describes, for its {@link ModelSpec#getInputShape input shape}
 * (Fashion-MNIST's 1×28×28 unless the job names another) and 10 classes, through the {@link ModelFamily}
 * its family names ("cnn", "darts", "darts-derived", … — each registers itself).
 */
public final class ModelFactory {
    public static final int CLASSES = 10;

    private static Map<String, ModelFamily> families;

    private ModelFactory() {
    }

    /** The registered families' names. */
    public static Set<String> families() {
        return byName().keySet();
    }

    /** Shape of a batch of {@code batch} input images of the spec's network. */
    public static Shape inputShape(ModelSpec spec, int batch) {
        return inputShape(spec.getInputShape(), batch);
    }

    /** Shape of a batch of {@code batch} images of the given shape. */
    public static Shape inputShape(InputShape input, int batch) {
        return new Shape(batch, input.getChannels(), input.getHeight(), input.getWidth());
    }

    /** Fashion-MNIST's 1×28×28, the schema's default input shape (a fresh copy: Avro records are mutable). */
    public static InputShape defaultInput() {
        return InputShape.newBuilder().build();
    }

    /**
     * Checks an input shape: 1 or 3 channels, height and width in 8..512 (the images a job resizes to).
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static void validate(InputShape input) {
        if (input.getChannels() != 1 && input.getChannels() != 3) {
            throw new IllegalArgumentException("model.inputShape.channels must be 1 or 3, got " + input.getChannels());
        }
        if (input.getHeight() < 8 || input.getWidth() < 8 || input.getHeight() > 512 || input.getWidth() > 512) {
            throw new IllegalArgumentException("model.inputShape height and width must be in 8..512, got "
                    + input.getHeight() + "x" + input.getWidth());
        }
    }

    /**
     * Checks that the spec names a known family with valid options, without building anything.
     *
     * @throws IllegalArgumentException listing the valid families or options
     */
    public static void validate(ModelSpec spec) {
        validate(spec.getInputShape());
        family(spec).validate(spec.getOptions());
    }

    /** The family's estimate of activation elements per training image ({@link ModelFamily#activationsPerImage}). */
    public static java.util.OptionalLong activationsPerImage(ModelSpec spec) {
        return family(spec).activationsPerImage(spec.getOptions(), spec.getInputShape());
    }

    /** An uninitialised network. */
    public static Block build(ModelSpec spec) {
        return family(spec).build(spec.getOptions(), spec.getInputShape());
    }

    /**
     * A network whose parameters are allocated (on {@code manager}) but hold arbitrary values;
     * load real values with {@link BlockParameters#load}.
     */
    public static Block buildAllocated(ModelSpec spec, NDManager manager) {
        Block block = build(spec);
        block.initialize(manager, DataType.FLOAT32, inputShape(spec, 1));
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
