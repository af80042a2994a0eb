package io.fedarch.core.train;

import io.fedarch.events.JobSpec;

/**
 * Hyper-parameters of one local training run.
 *
 * @param shuffleSeed seeds the per-epoch sample order; derive it from (job seed, client, round)
 */
public record TrainingSettings(int epochs, int batchSize, double learningRate, double momentum,
                               double weightDecay, long shuffleSeed) {

    public TrainingSettings {
        if (epochs < 0) {
            throw new IllegalArgumentException("epochs must be >= 0, got " + epochs);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        }
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be positive, got " + learningRate);
        }
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        if (!(weightDecay >= 0)) {
            throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
        }
    }

    /** The job's settings with the given learning rate (which a strategy may vary per round). */
    public static TrainingSettings of(JobSpec spec, double learningRate, long shuffleSeed) {
        return new TrainingSettings(spec.getLocalEpochs(), spec.getBatchSize(), learningRate, spec.getMomentum(),
                spec.getWeightDecay(), shuffleSeed);
    }
}
