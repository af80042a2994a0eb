package io.fedarch.core.darts;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The eight candidate operations of the DARTS search space, in DARTS's PRIMITIVES order (which is
 * also the default column order of the α tables). The convolutional ones carry their depthwise
 * kernel size and dilation.
 */
public enum Primitive {
    NONE("none", 0, 0),
    MAX_POOL_3X3("max_pool_3x3", 3, 1),
    AVG_POOL_3X3("avg_pool_3x3", 3, 1),
    SKIP_CONNECT("skip_connect", 0, 0),
    SEP_CONV_3X3("sep_conv_3x3", 3, 1),
    SEP_CONV_5X5("sep_conv_5x5", 5, 1),
    DIL_CONV_3X3("dil_conv_3x3", 3, 2),
    DIL_CONV_5X5("dil_conv_5x5", 5, 2);

    private final String dartsName;
    private final int kernel;
    private final int dilation;

    Primitive(String dartsName, int kernel, int dilation) {
        this.dartsName = dartsName;
        this.kernel = kernel;
        this.dilation = dilation;
    }

    /** The name DARTS genotypes use, e.g. "sep_conv_3x3". */
    public String dartsName() {
        return dartsName;
    }

    public int kernel() {
        return kernel;
    }

    public int dilation() {
        return dilation;
    }

    /** Padding that keeps the spatial size at stride 1 ("same" padding of the dilated kernel). */
    public int padding() {
        return dilation * (kernel - 1) / 2;
    }

    public boolean isSeparableConv() {
        return this == SEP_CONV_3X3 || this == SEP_CONV_5X5;
    }

    public boolean isDilatedConv() {
        return this == DIL_CONV_3X3 || this == DIL_CONV_5X5;
    }

    public boolean isPool() {
        return this == MAX_POOL_3X3 || this == AVG_POOL_3X3;
    }

    /**
     * Pooling and skip: the operations a collapsed DARTS search piles up, because they fit early,
     * weight-poor training fastest (a reduction cell's skip is a factorized reduce with weights,
     * but it is counted here like the identity it replaces, as {@link GenotypeMetrics} does).
     */
    public boolean isParameterFree() {
        return isPool() || this == SKIP_CONNECT;
    }

    /** All eight, in DARTS order. */
    public static List<Primitive> all() {
        return List.of(values());
    }

    /** @throws IllegalArgumentException listing the valid names */
    public static Primitive fromName(String name) {
        String wanted = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        for (Primitive p : values()) {
            if (p.dartsName.equals(wanted)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown DARTS operation '" + name + "'; valid operations: "
                + Arrays.stream(values()).map(Primitive::dartsName).toList());
    }
}
