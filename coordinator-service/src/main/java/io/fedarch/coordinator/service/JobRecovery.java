package io.fedarch.coordinator.service;

import java.util.List;
import java.util.Map;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;

import org.jboss.logging.Logger;

import io.fedarch.events.BufferedUpdate;
import io.fedarch.events.ClientUpdate;
import io.fedarch.events.JobCheckpoint;
import io.quarkus.runtime.StartupEvent;

/**
 * Resumes the jobs of a coordinator that stopped (or was killed) from Kafka alone: each job's
 * latest checkpoint, plus the open round's accepted updates (or an async job's buffered ones)
 * read back from the update topic.
 * Runs after the topics exist and before the messaging channels deliver anything, so no event
 * meets a coordinator that does not know its job yet. Events that arrived after the last
 * checkpoint were never acknowledged, so the channels deliver them again.
 */
@ApplicationScoped
public class JobRecovery {
    private static final Logger LOG = Logger.getLogger(JobRecovery.class);

    @Inject
    CheckpointStore checkpoints;

    @Inject
    UpdateLog updateLog;

    @Inject
    FederationService federation;

    @Inject
    TransactionalCommit transaction;

    public void recover(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE + 1) StartupEvent event) {
        long start = System.nanoTime();
        // Fence any older coordinator first: once this returns, nothing it decides can commit, so the
        // checkpoints read next are the last word.
        transaction.start();
        Map<String, JobCheckpoint> latest = checkpoints.readLatest();
        int resumed = 0;
        int skipped = 0;
        for (JobCheckpoint checkpoint : latest.values()) {
            List<ClientUpdate> asyncBuffer = List.of();
            String unreadable = null;
            try {
                if (checkpoint.getAsyncState() != null) {
                    asyncBuffer = updateLog.readInOrder(checkpoint.getAsyncState().getBuffer().stream()
                            .map(BufferedUpdate::getUpdate).toList());
                }
            } catch (RuntimeException e) {
                unreadable = e.getMessage();
            }
            // The open round's updates are read one at a time, each folded before the next is read.
            try (UpdateLog.Reader openRound = updateLog.reader()) {
                if (federation.restore(checkpoint, openRound, asyncBuffer, unreadable)) {
                    resumed++;
                }
            } catch (CoordinatorFencedException e) {
                throw e;
            } catch (RuntimeException e) {
                // Review M5: one job that cannot be put back (an unknown algorithm, a malformed state) must not
                // keep the coordinator from starting and every other job from resuming.
                LOG.errorf(e, "job %s cannot be resumed from its checkpoint %d and is skipped: %s",
                        checkpoint.getJobId(), checkpoint.getSequence(), e.getMessage());
                skipped++;
            }
        }
        LOG.infof("recovered %d job(s) from %d checkpoint(s) in %d ms%s", resumed, latest.size(),
                (System.nanoTime() - start) / 1_000_000, skipped > 0 ? "; " + skipped + " could not be resumed" : "");
    }
}
