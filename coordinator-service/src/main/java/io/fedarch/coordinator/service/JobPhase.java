package io.fedarch.coordinator.service;

/** Where a job stands. */
public enum JobPhase {
    /** Externally paced job between rounds: waits for a RoundStartRequested event. */
    WAITING_FOR_ROUND_START,
    ROUND_RUNNING,
    /** After the last round: clients adapt the final model locally (personalizationEpochs > 0). */
    PERSONALIZING,
    SUCCEEDED,
    FAILED;

    public boolean finished() {
        return this == SUCCEEDED || this == FAILED;
    }
}
