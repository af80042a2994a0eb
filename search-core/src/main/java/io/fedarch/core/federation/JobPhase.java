package io.fedarch.core.federation;

/** Where a job stands in the federation engine. */
public enum JobPhase {
    /** Externally paced job between rounds: waits for a RoundStartRequested event. */
    WAITING_FOR_ROUND_START,
    ROUND_RUNNING,
    /** A strategy with a between-rounds step (FedMetaNAS's soft pruning): waits for its result before the next round. */
    WAITING_FOR_BETWEEN_ROUNDS,
    /** After the last round: clients adapt the final model locally (personalizationEpochs > 0). */
    PERSONALIZING,
    SUCCEEDED,
    FAILED;

    public boolean finished() {
        return this == SUCCEEDED || this == FAILED;
    }

    /** The phase a checkpoint names; checkpoints written before the engine said WAITING_FOR_MASK. */
    public static JobPhase fromCheckpoint(String name) {
        return "WAITING_FOR_MASK".equals(name) ? WAITING_FOR_BETWEEN_ROUNDS : valueOf(name);
    }
}
