package io.fedarch.service.artifacts;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fedarch.broker.KafkaBrokerProcess;
import io.fedarch.events.wire.Topics;

/**
 * publish returns only when the broker has taken every chunk: where it cannot (no topic, a chunk above the
 * topic's limit) it throws, so the exporter never announces a ModelReady for files that are not there.
 * Own broker without the standard topics.
 */
class UnacknowledgedDeliveryTest {

    @TempDir
    Path dir;

    @Test
    void aDeliveryTheBrokerDoesNotTakeFailsThePublish() throws Exception {
        Path model = dir.resolve("model.bin");
        TestFiles.writeRandom(model, 3 << 20, 5);
        List<ArtifactFile> files = List.of(new ArtifactFile(model, "global/model.bin", "application/octet-stream"));
        DeliveredModel delivery = DeliveredModel.global("job-refused", UUID.randomUUID().toString());
        try (KafkaBrokerProcess broker = KafkaBrokerProcess.start(dir.resolve("broker"))) {
            Map<String, Object> config = Map.of("bootstrap.servers", broker.bootstrapServers(), "max.block.ms", 3000);
            try (ArtifactChunkPublisher publisher = new ArtifactChunkPublisher(config, 2 << 20)) {
                ArtifactPublishException noTopic = assertThrows(ArtifactPublishException.class,
                        () -> publisher.publish(delivery, files));
                assertTrue(noTopic.getMessage().startsWith("cannot find the partitions of fedarch.artifact-chunks"
                        + " (does the topic exist?)"), noTopic.getMessage());
            }

            try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(Topics.ARTIFACT_CHUNKS, 3, (short) 1)
                        .configs(Map.of("max.message.bytes", Integer.toString(1 << 20), "cleanup.policy", "compact"))))
                        .all().get(30, TimeUnit.SECONDS);
            }
            try (ArtifactChunkPublisher publisher = new ArtifactChunkPublisher(config, 2 << 20)) {
                ArtifactPublishException tooLarge = assertThrows(ArtifactPublishException.class,
                        () -> publisher.publish(delivery, files));
                assertTrue(tooLarge.getMessage().contains("did not acknowledge a chunk"), tooLarge.getMessage());
                assertTrue(tooLarge.getMessage().contains("larger than the max message size"), tooLarge.getMessage());
            }
        }
        assertTrue(Files.exists(model), "the source is left as it was");
    }
}
