package io.fedarch.core.algorithms.superfednas;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.fedarch.core.ofa.ElasticOptions;
import io.fedarch.core.ofa.SubnetConfig;
import io.fedarch.core.ofa.SubnetLayout;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;

/**
 * SuperFedNAS's aggregation: every supernet element becomes the weighted mean over the clients
 * whose subnet contains it, θ⁺[j] = Σ_{k∋j} ω_k·θ_k[j] / Σ_{k∋j} ω_k; an element no subnet contains
 * keeps its value. Containment is the subnet's architecture (its first channels, its kernel centre,
 * its active blocks), not whether a value moved: a covered element that did not change still counts.
 */
public final class CoverageWeightedAggregation {
    private CoverageWeightedAggregation() {
    }

    /**
     * One client's trained subnet.
     *
     * @param parameters full supernet shape (elements outside the subnet are ignored)
     * @param weight     ω_k, > 0
     */
    public record Contribution(SubnetConfig subnet, ModelParameters parameters, double weight) {
    }

    public static ModelParameters aggregate(ElasticOptions options, ModelParameters global,
                                            List<Contribution> contributions) {
        List<Map<String, SubnetLayout.Box>> boxes = new ArrayList<>();
        for (Contribution c : contributions) {
            if (!(c.weight() > 0)) {
                throw new IllegalArgumentException("aggregation weights must be positive (got " + c.weight() + ")");
            }
            boxes.add(SubnetLayout.of(options, c.subnet()).supernetBoxes());
        }
        List<NamedTensor> out = new ArrayList<>();
        for (NamedTensor tensor : global.tensors()) {
            double[] sum = new double[tensor.size()];
            double[] cover = new double[tensor.size()];
            for (int k = 0; k < contributions.size(); k++) {
                SubnetLayout.Box box = boxes.get(k).get(tensor.name());
                if (box == null) {
                    continue;
                }
                float[] values = contributions.get(k).parameters().get(tensor.name()).values();
                double weight = contributions.get(k).weight();
                box.forEachOffset(tensor.shape(), j -> {
                    sum[j] += weight * values[j];
                    cover[j] += weight;
                });
            }
            float[] next = tensor.values().clone();
            for (int j = 0; j < next.length; j++) {
                if (cover[j] > 0) {
                    next[j] = (float) (sum[j] / cover[j]);
                }
            }
            out.add(new NamedTensor(tensor.name(), tensor.shape(), next));
        }
        return new ModelParameters(out);
    }
}
