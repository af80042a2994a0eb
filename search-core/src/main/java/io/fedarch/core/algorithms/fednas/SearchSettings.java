package io.fedarch.core.algorithms.fednas;

/**
 * Hyper-parameters of one local architecture search (MiLeNAS) run.
 *
 * @param learningRate     SGD learning rate of the weights w for this run (the cosine schedule is
 *                         applied across rounds by the server, see {@code FedNas})
 * @param gradientClip     maximum global L2 norm of w's gradient (DARTS: 5)
 * @param archLearningRate Adam learning rate of α (DARTS: 3e-4)
 * @param archWeightDecay  L2 penalty on α inside Adam (DARTS: 1e-3)
 * @param lambda           weight of the validation term in α's mixed-level gradient (MiLeNAS: 1)
 * @param shuffleSeed      seeds the per-epoch order of both splits
 * @param architectureFrozen w warm-up: only w trains, α keeps its value and no α step is taken
 */
public record SearchSettings(int epochs, int batchSize, double learningRate, double momentum, double weightDecay,
                             double gradientClip, double archLearningRate, double archWeightDecay, double lambda,
                             long shuffleSeed, boolean architectureFrozen) {
    /** A search that trains w and α. */
    public SearchSettings(int epochs, int batchSize, double learningRate, double momentum, double weightDecay,
                          double gradientClip, double archLearningRate, double archWeightDecay, double lambda,
                          long shuffleSeed) {
        this(epochs, batchSize, learningRate, momentum, weightDecay, gradientClip, archLearningRate, archWeightDecay,
                lambda, shuffleSeed, false);
    }

    public SearchSettings {
        if (epochs < 0) {
            throw new IllegalArgumentException("epochs must be >= 0, got " + epochs);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        requirePositive("learning rate", learningRate);
        requirePositive("gradient clip", gradientClip);
        requirePositive("architecture learning rate", archLearningRate);
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        requireNonNegative("weight decay", weightDecay);
        requireNonNegative("architecture weight decay", archWeightDecay);
        requireNonNegative("lambda", lambda);
    }

    private static void requirePositive(String name, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }

    private static void requireNonNegative(String name, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(name + " must be >= 0, got " + value);
        }
    }
}
