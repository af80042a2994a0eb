package io.fedarch.coordinator;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.fedarch.broker.KafkaBrokerTestResource;
import io.fedarch.coordinator.service.CheckpointStore;
import io.fedarch.events.JobCheckpoint;
import io.fedarch.events.wire.TopicTap;
import io.fedarch.events.wire.Topics;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A checkpoint the coordinator cannot read — written by a coordinator of an older contract (another
 * schema fingerprint), or damaged — is refused by its job id, and the rest are still resumed: the
 * coordinator neither fails its start-up nor guesses at what such a checkpoint meant.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerTestResource.class)
class OldCheckpointTest {
    @Inject
    CheckpointStore checkpoints;

    @Test
    void aCheckpointOfAnotherSchemaIsRefusedByJobAndTheOthersAreStillRead() {
        String old = "old-contract-" + Instant.now().toEpochMilli();
        // Single-object encoding with a fingerprint no current schema has: what a pre-strategy-state checkpoint looks like here.
        ByteBuffer bytes = ByteBuffer.allocate(2 + 8 + 4).order(ByteOrder.LITTLE_ENDIAN);
        bytes.put((byte) 0xC3).put((byte) 0x01).putLong(0x0123456789ABCDEFL).putInt(42);
        try (TopicTap tap = new TopicTap(ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class));
             var written = tap.follow(Topics.COORDINATOR_STATE, JobCheckpoint.class)) {
            tap.sendRaw(Topics.COORDINATOR_STATE, old, bytes.array());
            // A job the current coordinator checkpoints, on the same topic.
            tap.send(Topics.JOBS, "current", FederationFlowTest.submission("current-" + old,
                    FederationFlowTest.tinyJob(Map.of())));
            written.await(1, c -> c.getJobId().equals("current-" + old), Duration.ofSeconds(60));
        }
        Map<String, JobCheckpoint> latest = checkpoints.readLatest();
        assertFalse(latest.containsKey(old), "the unreadable checkpoint is refused, not resumed");
        assertTrue(latest.containsKey("current-" + old), "readable checkpoints are still resumed: " + latest.keySet());
    }

    @Inject
    io.fedarch.coordinator.service.JobRecovery recovery;

    @Inject
    io.fedarch.coordinator.service.JobRegistry jobs;

    /**
     * Review M5: one checkpoint that decodes but cannot be put back (here: an algorithm this
     * coordinator does not know) aborted the whole recovery, so the coordinator could not start.
     */
    @Test
    void aCheckpointThatCannotBeResumedIsSkippedAndTheOthersResume() {
        String good = "resumable-" + Instant.now().toEpochMilli();
        String broken = "unresumable-" + Instant.now().toEpochMilli();
        try (TopicTap tap = new TopicTap(ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class));
             var written = tap.follow(Topics.COORDINATOR_STATE, JobCheckpoint.class)) {
            tap.send(Topics.JOBS, good, FederationFlowTest.submission(good, FederationFlowTest.tinyJob(Map.of())));
            JobCheckpoint checkpoint = written.await(1, c -> c.getJobId().equals(good), Duration.ofSeconds(60)).get(0);
            // The same checkpoint under another job id, naming an algorithm this coordinator does not know.
            checkpoint.setJobId(broken);
            checkpoint.getSpec().setAlgorithm("no-such-algorithm");
            tap.send(Topics.COORDINATOR_STATE, broken, checkpoint);
        }
        org.junit.jupiter.api.Assertions.assertDoesNotThrow(() -> recovery.recover(null));
        assertTrue(jobs.find(good).isPresent(), "the resumable job is known");
        assertFalse(jobs.find(broken).isPresent(), "the job that cannot be resumed is skipped");
    }
}
