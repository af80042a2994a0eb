package io.fedarch.coordinator.service;

import io.fedarch.core.federation.JobState;
import io.fedarch.core.federation.RoundState;

/** What GET /jobs/{id} shows a human. */
public record JobStatus(String jobId, String algorithm, String phase, int completedRounds, int totalRounds,
                        Integer openRound, int updatesReceived, int clientsSelected, int modelVersion,
                        Double lastGlobalValidationAccuracy, String failureReason) {

    /** A consistent snapshot (taken under the job's lock). */
    public static JobStatus of(JobState job) {
        synchronized (job) {
            RoundState open = job.openRound();
            return new JobStatus(job.jobId(), job.spec().getAlgorithm(), job.phase().name(), job.completedRounds(),
                    job.spec().getRounds(), open == null ? null : open.round(),
                    open == null ? 0 : open.updates().size(), open == null ? 0 : open.expectedUpdates(),
                    job.modelVersion(),
                    job.lastRoundMetrics() == null ? null : job.lastRoundMetrics().getGlobalValidationAccuracy(),
                    job.failureReason());
        }
    }
}
