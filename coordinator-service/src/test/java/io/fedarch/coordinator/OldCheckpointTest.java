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
}
