package io.fedarch.core.darts;



/**
 * Activation elements one image keeps for the backward pass of the whole supernet: every
 * operation of every edge runs (the mixture), so each keeps its intermediates ({@link PathCost}'s
 * per-operation counts) plus its weighted output for the mixing sum. An estimate from the layer
 * shapes, used to refuse a search no worker can hold; partial channels are ignored (it only
 * overestimates them).
 */
final class SupernetActivations {
    private SupernetActivations() {
    }

    static long perImage(DartsOptions options) {
        int size = Tensors.strided(options.input().getHeight(), options.stemStride());
        long activations = 2L * DartsOptions.STEM_MULTIPLIER * options.channels() * size * size;
        long channels = options.channels();
        for (int layer = 0; layer < options.layers(); layer++) {
            boolean reduction = options.isReduction(layer);
            if (reduction) {
                channels *= 2;
            }
            long in = channels * size * size;
            size = Tensors.strided(size, reduction ? 2 : 1);
            long out = channels * size * size;
            activations += 2 * 3 * in;                        // two preprocessed inputs: ReLU, conv, BN
            for (int node = 0; node < CellTopology.NODES; node++) {
                for (int source = 0; source <= node + 1; source++) {
                    for (Primitive op : options.operations()) {
                        activations += (PathCost.stored(op, reduction && source < 2) + 1) * out;
                    }
                }
                activations += out;                            // the node's sum
            }
            activations += CellTopology.NODES * out;            // the concatenated output
        }
        return activations;
    }
}
