package io.fedarch.core.darts;

import io.fedarch.core.model.ParameterRegistry;

/**
 * Builds the {@link CellOperation} a genotype names on an edge of the given stride. skip_connect
 * becomes the identity at stride 1 and a single {@link FactorizedReduce} at stride 2, as in DARTS.
 */
final class OperationFactory {
    private OperationFactory() {
    }

    /**
     * @param prefix the operation's parameter prefix, e.g. {@code cells.1.node0.in1.sep_conv_3x3}
     * @throws IllegalArgumentException for 'none', which a derived network never contains
     */
    static CellOperation create(ParameterRegistry registry, String prefix, Primitive primitive, int channels,
                                int stride) {
        if (primitive.isSeparableConv()) {
            return new SepConvOperation(registry, prefix, primitive, channels, stride);
        }
        if (primitive.isDilatedConv()) {
            return new DilConvOperation(registry, prefix, primitive, channels, stride);
        }
        if (primitive.isPool()) {
            return new PoolOperation(registry, prefix, primitive, channels, stride);
        }
        if (primitive == Primitive.SKIP_CONNECT) {
            return stride == 1 ? new IdentityOperation()
                    : new FactorizedReduce(registry, prefix, channels, channels, 1, false);
        }
        throw new IllegalArgumentException("a derived cell cannot contain '" + primitive.dartsName() + "'");
    }
}
