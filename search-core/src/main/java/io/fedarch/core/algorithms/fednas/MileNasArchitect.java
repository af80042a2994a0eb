package io.fedarch.core.algorithms.fednas;

import io.fedarch.core.train.ArchitectureAdam;
import io.fedarch.core.darts.SearchNetwork;
import java.util.ArrayList;
import java.util.List;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.fedarch.core.model.OwnedScalar;
import io.fedarch.core.train.Batches;

/**
 * The architecture step of MiLeNAS (He et al., CVPR 2020), the mixed-level reformulation FedNAS
 * uses: α ← α − η_α (∇_α L_train(w, α) + λ ∇_α L_val(w, α)). It is first-order (no unrolled
 * second-order term as in second-order DARTS), so one backward pass through both losses suffices.
 * <p>
 * The update is {@link ArchitectureAdam}. An optional {@link ArchitecturePenalty} adds its own
 * gradient to α's (Meta-DNAS: λ_c·R(α), the expected-MACs regulariser); without one the step is FedNAS's.
 * <p>
 * Callers hold {@link io.fedarch.core.train.GradientLock} around {@link #step}.
 */
public final class MileNasArchitect {
    /** Losses of one architecture step, at the weights before the step. */
    public record StepLosses(double train, double validation) {
    }

    private final SearchNetwork network;
    private final List<Parameter> alphas;
    private final List<Parameter> weights;
    private final double lambda;
    private final ArchitectureAdam adam;
    private final ArchitecturePenalty penalty;
    private double lastPenalty = Double.NaN;

    public MileNasArchitect(SearchNetwork network, double learningRate, double weightDecay, double lambda) {
        this(network, learningRate, weightDecay, lambda, null);
    }

    /** @param penalty a further term of α's objective, or null */
    public MileNasArchitect(SearchNetwork network, double learningRate, double weightDecay, double lambda,
                            ArchitecturePenalty penalty) {
        this.network = network;
        this.penalty = penalty;
        this.alphas = network.architectureParameters();
        this.weights = network.weightParameters();
        this.lambda = lambda;
        this.adam = new ArchitectureAdam(alphas, learningRate, weightDecay);
    }

    /**
     * One α update from a training batch and a validation batch (BN in training mode, as in DARTS).
     * w is left unchanged (only BN running statistics move) and no gradient is left on w or α.
     * With λ = 0 the validation forward pass is skipped: its gradient would be zero.
     */
    public StepLosses step(ParameterStore store, NDArray trainImages, NDArray trainLabels,
                           NDArray validationImages, NDArray validationLabels) {
        // w needs no gradient here; switching it off spares the weight-gradient half of the backward pass.
        setRequiresGradient(weights, false);
        double trainLoss;
        double validationLoss = Double.NaN;
        // The two losses are back-propagated one after the other, each from its own scope that is
        // closed right after: PyTorch adds the second backward pass into α's gradient, so α receives
        // ∇L_train + λ∇L_val exactly as from one backward pass through L_train + λ·L_val, but only
        // one forward pass's activations are alive at a time, and they are freed before the w step.
        // Results of DJL operations stay referenced by their manager until it closes, so without
        // these scopes the whole step's activations (both α forwards and the w forward: over 19 GB
        // at the default C=16, 8 layers, 28×28, batch 64) were held until the end of the batch.
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            trainLoss = backwardInScope(collector, store, trainImages, trainLabels, 1f);
            if (lambda > 0) {
                validationLoss = backwardInScope(collector, store, validationImages, validationLabels, (float) lambda);
            }
        } finally {
            setRequiresGradient(weights, true);
        }
        List<float[]> gradients = new ArrayList<>(alphas.size());
        for (Parameter alpha : alphas) {
            try (NDArray gradient = alpha.getArray().getGradient()) {
                gradients.add(gradient.toFloatArray());
                // PyTorch accumulates gradients: clear α's before the next backward pass.
                gradient.subi(gradient);
            }
        }
        if (penalty != null) {
            List<float[]> values = new ArrayList<>(alphas.size());
            for (Parameter alpha : alphas) {
                values.add(alpha.getArray().toFloatArray());
            }
            lastPenalty = penalty.addGradient(values, gradients);
        }
        adam.step(gradients);
        return new StepLosses(trainLoss, validationLoss);
    }

    /** The penalty's value before the last step (NaN without a penalty or before the first step). */
    public double lastPenalty() {
        return lastPenalty;
    }

    /**
     * Forward pass and backward pass of scale·crossEntropy in a sub-scope of the images' manager
     * that is closed on return (the inputs go back to their own manager).
     *
     * @return the unscaled loss
     */
    private double backwardInScope(GradientCollector collector, ParameterStore store, NDArray images,
                                   NDArray labels, float scale) {
        try (NDManager scope = images.getManager().newSubManager()) {
            scope.tempAttachAll(images, labels);
            NDArray loss = Batches.crossEntropy(
                    network.forward(store, new NDList(images), true).singletonOrThrow(), labels);
            collector.backward(scale == 1f ? loss : loss.mul(OwnedScalar.of(scope, scale)));
            return loss.getFloat();
        }
    }

    public static void setRequiresGradient(List<Parameter> parameters, boolean required) {
        for (Parameter p : parameters) {
            p.getArray().setRequiresGradient(required);
        }
    }
}
