package io.fedarch.core.algorithms.fedmetanas;

import io.fedarch.core.darts.Relaxation;

/**
 * Hyper-parameters of one FedMetaNAS local procedure (MAML over w and α).
 *
 * @param learningRate          meta SGD learning rate of w (this round's, from the server's schedule)
 * @param archLearningRate      meta Adam learning rate of α
 * @param innerSteps            k: SGD steps of the task learner on the support batch
 * @param innerLearningRate     task learner's SGD learning rate of w
 * @param innerArchLearningRate task learner's SGD learning rate of α
 * @param secondOrder           true MAML (Hessian-vector products) instead of the first-order approximation
 * @param relaxation            mixing mode, temperature and mask of this round
 * @param shuffleSeed           seeds the batch order and the Gumbel noise
 */
public record MamlSettings(int epochs, int batchSize, double learningRate, double momentum, double weightDecay,
                           double gradientClip, double archLearningRate, double archWeightDecay, int innerSteps,
                           double innerLearningRate, double innerArchLearningRate, boolean secondOrder,
                           Relaxation relaxation, long shuffleSeed) {
    public MamlSettings {
        if (epochs < 0) {
            throw new IllegalArgumentException("epochs must be >= 0, got " + epochs);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        if (innerSteps < 1) {
            throw new IllegalArgumentException("innerSteps must be >= 1, got " + innerSteps);
        }
        positive("learning rate", learningRate);
        positive("architecture learning rate", archLearningRate);
        positive("gradient clip", gradientClip);
        nonNegative("inner learning rate", innerLearningRate);
        nonNegative("inner architecture learning rate", innerArchLearningRate);
        nonNegative("weight decay", weightDecay);
        nonNegative("architecture weight decay", archWeightDecay);
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        if (relaxation == null) {
            throw new IllegalArgumentException("a relaxation is required");
        }
    }

    private static void positive(String name, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }

    private static void nonNegative(String name, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(name + " must be >= 0, got " + value);
        }
    }
}
