package io.fedarch.core.bench;

import java.util.Map;

import io.fedarch.core.model.ModelSummary;
import io.fedarch.events.ModelSpec;

/**
 * The hand-designed baseline of the search protocol: fedarch's CNN (two 5×5 convolutions, a hidden
 * layer, a classifier) scaled uniformly in width — conv1 = 8s, conv2 = 16s, hidden = 64s — to the
 * MACs of a searched network, so "the search pays" is judged at equal compute per image.
 */
final class MatchedCnn {
    private MatchedCnn() {
    }

    /** The scaled CNN whose MACs are nearest {@code target}; throws when none is within ± 20 %. */
    static ModelSpec forMacs(long target) {
        ModelSpec best = null;
        double bestGap = Double.POSITIVE_INFINITY;
        for (int s = 1; s <= 64; s++) {
            ModelSpec spec = spec(8 * s / 4, 16 * s / 4, 64 * s / 4);
            double gap = Math.abs(ModelSummary.of(spec).macs() - (double) target) / target;
            if (gap < bestGap) {
                bestGap = gap;
                best = spec;
            }
        }
        if (bestGap > 0.2) {
            throw new IllegalStateException("no CNN within 20 % of " + target + " MACs (nearest: " + best.getOptions()
                    + ", " + Math.round(bestGap * 100) + " % off)");
        }
        return best;
    }

    private static ModelSpec spec(int conv1, int conv2, int hidden) {
        return ModelSpec.newBuilder().setFamily("cnn").setOptions(Map.of("conv1", Integer.toString(Math.max(1, conv1)),
                "conv2", Integer.toString(Math.max(1, conv2)), "hidden", Integer.toString(Math.max(1, hidden)))).build();
    }
}
