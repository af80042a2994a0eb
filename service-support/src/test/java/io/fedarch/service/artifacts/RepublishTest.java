package io.fedarch.service.artifacts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fedarch.broker.KafkaBrokerProcess;
import io.fedarch.events.wire.Topics;

/**
 * Publishing a delivery again (the exporter retrying) leaves it readable: before compaction the reader takes
 * the newest publication, and compaction, which the keys let replace every chunk, leaves exactly one copy.
 * Own broker: after the first check its topic gets short segments and an eager cleaner.
 */
class RepublishTest {
    private static final int CHUNK = 64 << 10;
    private static ArtifactTopicBroker.Running running;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBroker() {
        running = ArtifactTopicBroker.start(KafkaBrokerProcess.builder().brokerProperty("log.cleaner.backoff.ms", "200"));
    }

    /** Short segments and an eager cleaner, so that compaction happens within the test. */
    private static void compactEagerly(KafkaBrokerProcess broker) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            ConfigResource topic = new ConfigResource(ConfigResource.Type.TOPIC, Topics.ARTIFACT_CHUNKS);
            admin.incrementalAlterConfigs(Map.of(topic, List.of(
                    set("segment.bytes", "1048576"), set("segment.ms", "1000"),
                    set("min.cleanable.dirty.ratio", "0.01")))).all().get(30, TimeUnit.SECONDS);
        }
    }

    @AfterAll
    static void stopBroker() {
        running.close();
    }

    @Test
    void aRepublishedDeliveryIsReassembledBeforeAndAfterCompaction() throws Exception {
        KafkaBrokerProcess broker = running.broker();
        Path model = dir.resolve("model.safetensors");
        String sha256 = TestFiles.writeRandom(model, 3L << 20, 7);
        DeliveredModel delivery = DeliveredModel.global("job-again", UUID.randomUUID().toString());
        List<ArtifactFile> files = List.of(new ArtifactFile(model, "global/model.safetensors", "application/octet-stream"));
        AvscOnlyDeliveryReader reader = new AvscOnlyDeliveryReader(broker.bootstrapServers());
        try (ArtifactChunkPublisher publisher = new ArtifactChunkPublisher(
                Map.of("bootstrap.servers", broker.bootstrapServers()), CHUNK)) {
            publisher.publish(delivery, files);
            publisher.publish(delivery, files);
            assertEquals(96, chunksOf(broker, delivery).size(), "both publications are in the log before compaction");
            assertEquals(sha256, reader.fetch(delivery.jobId(), delivery.deliveryId(), dir.resolve("before")).get(0).sha256());

            compactEagerly(broker);
            // The cleaner never touches the active segment: a write after segment.ms rolls it.
            Thread.sleep(1500);
            publisher.publish(DeliveredModel.global("job-again", UUID.randomUUID().toString()), files);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            List<GenericRecord> left = chunksOf(broker, delivery);
            while (left.size() > 48 && System.nanoTime() < deadline) {
                Thread.sleep(500);
                left = chunksOf(broker, delivery);
            }
            assertEquals(48, left.size(), "compaction keeps one record per chunk key");
            Set<String> publications = new HashSet<>();
            left.forEach(c -> publications.add(c.get("publicationId").toString()));
            assertEquals(1, publications.size(), "the newer publication replaced every chunk of the older one");
            Path after = dir.resolve("after");
            assertEquals(sha256, reader.fetch(delivery.jobId(), delivery.deliveryId(), after).get(0).sha256());
            assertEquals(-1, Files.mismatch(model, after.resolve("global/model.safetensors")));
        }

        // Re-published with another chunk size: the old chunks beyond the new count keep their keys, and the
        // reader still takes the newest publication only.
        try (ArtifactChunkPublisher publisher = new ArtifactChunkPublisher(
                Map.of("bootstrap.servers", broker.bootstrapServers()), 100 << 10)) {
            assertEquals(31, publisher.publish(delivery, files).get(0).chunkCount());
        }
        List<ReassembledFile> rechunked = reader.fetch(delivery.jobId(), delivery.deliveryId(), dir.resolve("rechunked"));
        assertEquals(31, rechunked.get(0).chunkCount());
        assertEquals(-1, Files.mismatch(model, dir.resolve("rechunked/global/model.safetensors")));
    }

    private static List<GenericRecord> chunksOf(KafkaBrokerProcess broker, DeliveredModel delivery) {
        AvscContract contract = new AvscContract();
        return DeliveryRoundTripTest.readAllPartitions(broker).stream().map(r -> contract.decode(r.value()))
                .filter(c -> c.get("deliveryId").toString().equals(delivery.deliveryId())).toList();
    }

    private static AlterConfigOp set(String key, String value) {
        return new AlterConfigOp(new ConfigEntry(key, value), AlterConfigOp.OpType.SET);
    }
}
