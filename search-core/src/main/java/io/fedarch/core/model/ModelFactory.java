package io.fedarch.core.model;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import io.fedarch.core.darts.DartsOptions;
import io.fedarch.core.darts.DerivedNetwork;
import io.fedarch.core.darts.DerivedOptions;
import io.fedarch.core.darts.SearchNetwork;
import io.fedarch.events.ModelSpec;

/**
 * Builds the DJL network a {@link ModelSpec} describes, for 1×28×28 inputs and 10 classes: family
 * "cnn", "darts" (the search supernet) or "darts-derived" (a searched architecture, trained from scratch
 * or from weights inherited from the supernet).
 */
public final class ModelFactory {
    public static final String CNN = "cnn";
    /** The DARTS search space (a supernet with architecture weights α); see {@link SearchNetwork}. */
    public static final String DARTS = "darts";
    /** A discrete DARTS architecture given by a genotype; see {@link DerivedNetwork} and {@link DerivedOptions}. */
    public static final String DARTS_DERIVED = "darts-derived";
    public static final Set<String> FAMILIES = Set.of(CNN, DARTS, DARTS_DERIVED);
    public static final int CHANNELS = 1;
    public static final int HEIGHT = 28;
    public static final int WIDTH = 28;
    public static final int CLASSES = 10;

    private ModelFactory() {
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
        switch (family(spec)) {
            case DARTS -> dartsOptions(spec);
            case DARTS_DERIVED -> derivedOptions(spec);
            default -> cnnOptions(spec);
        }
    }

    /** An uninitialised network. */
    public static Block build(ModelSpec spec) {
        return switch (family(spec)) {
            case DARTS -> new SearchNetwork(dartsOptions(spec));
            case DARTS_DERIVED -> new DerivedNetwork(derivedOptions(spec));
            default -> cnn(cnnOptions(spec));
        };
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

    /** conv5x5-ReLU-maxpool → conv5x5-ReLU-maxpool → flatten → linear-ReLU → (dropout) → linear. */
    static Block cnn(CnnOptions o) {
        SequentialBlock net = new SequentialBlock()
                .add(conv5x5(o.conv1()))
                .add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                .add(conv5x5(o.conv2()))
                .add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(o.hidden()).build())
                .add(Activation.reluBlock());
        if (o.dropout() > 0) {
            net.add(Dropout.builder().optRate((float) o.dropout()).build());
        }
        return net.add(Linear.builder().setUnits(CLASSES).build());
    }

    private static Conv2d conv5x5(int filters) {
        return Conv2d.builder()
                .setKernelShape(new Shape(5, 5))
                .optPadding(new Shape(2, 2))
                .setFilters(filters)
                .build();
    }

    static CnnOptions cnnOptions(ModelSpec spec) {
        if (!family(spec).equals(CNN)) {
            throw new IllegalArgumentException("unknown model family '" + spec.getFamily() + "'; valid families: "
                    + new TreeSet<>(FAMILIES));
        }
        return CnnOptions.parse(spec.getOptions());
    }

    /**
     * The options of a "darts" spec.
     *
     * @throws IllegalArgumentException when the family is not darts or an option is invalid
     */
    public static DartsOptions dartsOptions(ModelSpec spec) {
        if (!family(spec).equals(DARTS)) {
            throw new IllegalArgumentException("model family '" + spec.getFamily() + "' is not " + DARTS);
        }
        return DartsOptions.parse(spec.getOptions());
    }

    /**
     * The options of a "darts-derived" spec.
     *
     * @throws IllegalArgumentException when the family is not darts-derived or an option is invalid
     */
    public static DerivedOptions derivedOptions(ModelSpec spec) {
        if (!family(spec).equals(DARTS_DERIVED)) {
            throw new IllegalArgumentException("model family '" + spec.getFamily() + "' is not " + DARTS_DERIVED);
        }
        return DerivedOptions.parse(spec.getOptions());
    }

    private static String family(ModelSpec spec) {
        return spec.getFamily() == null ? "" : spec.getFamily().toLowerCase(Locale.ROOT);
    }
}
