package io.fedarch.core.ofa;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;

/**
 * Moves a subnet's weights between the supernet's tensors and the subnet's own: {@link #cut} copies
 * each tensor's region out (the weights a budget's model is delivered with, or a client trains);
 * {@link #insert} writes a trained subnet back into a copy of the supernet, leaving every element
 * outside its regions untouched.
 */
public final class SubnetExtraction {
    private SubnetExtraction() {
    }

    /** The subnet's tensors, shaped to it, in the order its standalone network registers them. */
    public static ModelParameters cut(ElasticOptions options, SubnetConfig subnet, ModelParameters supernet) {
        List<NamedTensor> out = new ArrayList<>();
        for (Map.Entry<String, SubnetLayout.Box> e : SubnetLayout.of(options, subnet).supernetBoxes().entrySet()) {
            NamedTensor full = supernet.get(e.getKey());
            SubnetLayout.Box box = e.getValue();
            float[] values = new float[Math.toIntExact(box.size())];
            copy(full, box, values, false);
            out.add(new NamedTensor(e.getKey(), box.extent(), values));
        }
        return new ModelParameters(out);
    }

    /** A copy of the supernet with the subnet's tensors written into their regions. */
    public static ModelParameters insert(ElasticOptions options, SubnetConfig subnet, ModelParameters supernet,
                                         ModelParameters trained) {
        Map<String, SubnetLayout.Box> boxes = SubnetLayout.of(options, subnet).supernetBoxes();
        List<NamedTensor> out = new ArrayList<>();
        for (NamedTensor full : supernet.tensors()) {
            SubnetLayout.Box box = boxes.get(full.name());
            if (box == null) {
                out.add(full);
                continue;
            }
            NamedTensor part = trained.get(full.name());
            if (!java.util.Arrays.equals(part.shape(), box.extent())) {
                throw new IllegalArgumentException("subnet tensor " + full.name() + " has shape "
                        + java.util.Arrays.toString(part.shape()) + ", expected " + java.util.Arrays.toString(box.extent()));
            }
            NamedTensor copy = full.copy();
            copy(copy, box, part.values(), true);
            out.add(copy);
        }
        return new ModelParameters(out);
    }

    /**
     * Visits the box of {@code full} in row-major order, reading into {@code part} or (when
     * {@code write}) writing {@code part} into it.
     */
    static void copy(NamedTensor full, SubnetLayout.Box box, float[] part, boolean write) {
        float[] values = full.values();
        int[] next = {0};
        box.forEachOffset(full.shape(), offset -> {
            if (write) {
                values[offset] = part[next[0]++];
            } else {
                part[next[0]++] = values[offset];
            }
        });
    }
}
