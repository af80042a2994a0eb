package io.fedarch.coordinator.service;

/** Where a job stands. */
public enum JobPhase {
    /** Externally paced job between rounds: waits for a RoundStartRequested event. */
    WAITING_FOR_ROUND_START,
    ROUND_RUNNING,
    /** Soft-pruning search between rounds: waits for the pruning service's mask for the next round. */
    WAITING_FOR_MASK,
    /** After the last round: clients adapt the final model locally (personalizationEpochs > 0). */
    PERSONALIZING,
    SUCCEEDED,
    FAILED;

    public boolean finished() {
        return this == SUCCEEDED || this == FAILED;
    }
}
