package io.fedarch.core.algorithms.perfedrlnas;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.function.IntToDoubleFunction;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import io.fedarch.core.darts.PathSlices;
import io.fedarch.core.darts.SearchNetwork;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.model.Engines;
import io.fedarch.core.model.OwnedScalar;
import io.fedarch.core.train.LocalTrainer;
import io.fedarch.core.train.Metrics;

/**
 * Trains a single-path subnet inside the supernet: SGD with momentum and weight decay (the
 * reference's settings) on the rows the path uses and on nothing else, so every supernet entry the
 * path does not use — weights, momentum and running statistics alike — leaves the client
 * bit-identical to what it received, which is what PerFedRLNAS's masked fusion relies on. The
 * network's relaxation must already be the path's one-hot mask, so the forward pass evaluates only
 * the path ({@link SearchNetwork}'s sparse path). Weight decay is added to the gradient on the used
 * rows only (torch.optim.SGD skips parameters that received no gradient).
 */
final class SubnetTrainer {
    private SubnetTrainer() {
    }

    /**
     * @param learningRate the rate of each epoch (0-based): the reference decays it per epoch
     */
    static Metrics train(SearchNetwork network, PathSlices slices, ImageDataset data, int epochs, int batchSize,
                         IntToDoubleFunction learningRate, double momentum, double weightDecay, long seed) {
        List<Parameter> all = new ArrayList<>();
        for (Parameter p : network.namedParameters().values()) {
            if (p.requiresGradient()) {
                all.add(p);
            }
        }
        try (NDManager manager = Engines.newManager()) {
            List<Parameter> trained = new ArrayList<>();
            List<NDArray> masks = new ArrayList<>();
            List<NDArray> velocity = new ArrayList<>();
            for (Parameter p : network.weightParameters()) {
                BitSet rows = slices.rows(p.getName());
                if (rows.isEmpty()) {
                    continue;
                }
                trained.add(p);
                masks.add(rowMask(manager, rows, p.getArray().getShape()));
                velocity.add(manager.zeros(p.getArray().getShape()));
            }
            return LocalTrainer.run(network, data, epochs, batchSize, seed, epoch -> {
                float rate = (float) learningRate.applyAsDouble(epoch);
                // Grad mode is per thread in libtorch and on by default in a new one: the in-place
                // update of a leaf that requires grad must run with it off, whatever thread this is.
                boolean recording = JniUtils.isGradMode();
                JniUtils.setGradMode(false);
                try (NDManager step = manager.newSubManager()) {
                    for (int i = 0; i < trained.size(); i++) {
                        NDArray weight = trained.get(i).getArray();
                        NDArray gradient = weight.getGradient();
                        gradient.attach(step);
                        // d = (g + wd·w) on the used rows, 0 elsewhere; v = μ·v + d; w = w − lr·v
                        NDArray direction = gradient.add(OwnedScalar.of(step, (float) weightDecay).mul(weight))
                                .mul(masks.get(i));
                        NDArray v = velocity.get(i);
                        v.muli(OwnedScalar.of(step, (float) momentum)).addi(direction);
                        weight.subi(OwnedScalar.of(step, rate).mul(v));
                    }
                } finally {
                    JniUtils.setGradMode(recording);
                }
                clearGradients(all);
            });
        }
    }

    /** 1 on the used rows, 0 elsewhere, shaped to broadcast over the tensor. */
    private static NDArray rowMask(NDManager manager, BitSet rows, Shape shape) {
        int count = Math.toIntExact(shape.get(0));
        float[] values = new float[count];
        for (int r = rows.nextSetBit(0); r >= 0 && r < count; r = rows.nextSetBit(r + 1)) {
            values[r] = 1f;
        }
        long[] dims = new long[shape.dimension()];
        java.util.Arrays.fill(dims, 1);
        dims[0] = count;
        NDArray mask = manager.zeros(new Shape(dims));
        io.fedarch.core.model.InPlaceWrite.overwrite(mask, values);
        return mask;
    }

    /** PyTorch accumulates gradients: zero every one after the step (α's included, which is never stepped). */
    private static void clearGradients(List<Parameter> parameters) {
        for (Parameter p : parameters) {
            try (NDArray gradient = p.getArray().getGradient()) {
                gradient.subi(gradient);
            }
        }
    }
}
