package io.fedarch.core.darts;

import ai.djl.ndarray.NDArray;

/** skip_connect on a stride-1 edge: the input itself, no parameters. */
final class IdentityOperation implements CellOperation {

    @Override
    public NDArray apply(NDArray x, boolean training) {
        return x;
    }

    @Override
    public long macs(int outPixels) {
        return 0;
    }
}
