package io.fedarch.coordinator.service;

/** What GET /jobs/{id} shows a human. */
public record JobStatus(String jobId, String algorithm, String phase, int completedRounds, int totalRounds,
                        Integer openRound, int updatesReceived, int clientsSelected, int modelVersion,
                        Double lastGlobalValidationAccuracy, String failureReason) {
}
