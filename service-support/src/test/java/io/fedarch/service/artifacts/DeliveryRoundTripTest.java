package io.fedarch.service.artifacts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import io.fedarch.broker.KafkaBrokerProcess;
import io.fedarch.events.wire.Topics;

/** A delivery of several files goes through the real broker in chunks and comes back byte for byte. */
@ExtendWith(ArtifactTopicBroker.class)
class DeliveryRoundTripTest {
    private static final int CHUNK = 64 << 10;

    @TempDir
    Path dir;

    @Test
    void aMultiFileDeliveryIsReassembledByTheAvscOnlyReader(KafkaBrokerProcess broker) throws IOException {
        Path weights = dir.resolve("in/model.safetensors");
        String weightsSha = TestFiles.writeRandom(weights, 1_000_003, 1);
        Path architecture = Files.writeString(dir.resolve("in/architecture.json"), "{\"layers\":[\"conv\",\"fc\"]}");
        Path empty = Files.write(dir.resolve("in/empty.bin"), new byte[0]);
        DeliveredModel delivery = DeliveredModel.client("job-rt", UUID.randomUUID().toString(), 3);

        List<PublishedArtifact> published;
        try (ArtifactChunkPublisher publisher = publisher(broker)) {
            published = publisher.publish(delivery, List.of(
                    new ArtifactFile(weights, "client-3/model.safetensors", "application/octet-stream"),
                    new ArtifactFile(architecture, "client-3/architecture.json", "application/json"),
                    new ArtifactFile(empty, "client-3/empty.bin", "application/octet-stream")));
        }

        assertEquals(List.of(
                new PublishedArtifact("client-3/model.safetensors", "application/octet-stream", 1_000_003, weightsSha, 16),
                new PublishedArtifact("client-3/architecture.json", "application/json", Files.size(architecture),
                        sha256(architecture), 1),
                new PublishedArtifact("client-3/empty.bin", "application/octet-stream", 0, sha256(empty), 1)), published);

        Path out = dir.resolve("out");
        List<ReassembledFile> fetched = new AvscOnlyDeliveryReader(broker.bootstrapServers())
                .fetch(delivery.jobId(), delivery.deliveryId(), out);

        assertEquals(List.of("client-3/model.safetensors", "client-3/architecture.json", "client-3/empty.bin"),
                fetched.stream().map(ReassembledFile::name).toList());
        assertEquals(-1, Files.mismatch(weights, out.resolve("client-3/model.safetensors")));
        assertEquals(-1, Files.mismatch(architecture, out.resolve("client-3/architecture.json")));
        assertEquals(0, Files.size(out.resolve("client-3/empty.bin")));
        assertEquals("application/json", fetched.get(1).mediaType());
        assertEquals(List.of("client-3"), listNames(out), "only the delivery's files, no partial leftovers");
    }

    @Test
    void everyChunkOfAJobIsInItsPartitionInOrderUnderItsOwnKey(KafkaBrokerProcess broker) throws IOException {
        String jobId = "job-order-" + UUID.randomUUID();
        Path a = dir.resolve("a.bin");
        TestFiles.writeRandom(a, 5 * CHUNK + 7, 2);
        Path b = dir.resolve("b.bin");
        TestFiles.writeRandom(b, 2 * CHUNK, 3);
        DeliveredModel delivery = DeliveredModel.global(jobId, UUID.randomUUID().toString());
        try (ArtifactChunkPublisher publisher = publisher(broker)) {
            publisher.publish(delivery, List.of(new ArtifactFile(a, "global/a.bin", "application/octet-stream"),
                    new ArtifactFile(b, "global/b.bin", "application/octet-stream")));
        }

        List<ConsumerRecord<String, byte[]>> records = readAllPartitions(broker);
        AvscContract contract = new AvscContract();
        Set<Integer> partitions = new HashSet<>();
        Set<String> keys = new HashSet<>();
        List<String> order = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            GenericRecord chunk = contract.decode(record.value());
            if (!delivery.deliveryId().equals(chunk.get("deliveryId").toString())) {
                continue;
            }
            partitions.add(record.partition());
            assertTrue(keys.add(record.key()), "one key per chunk: " + record.key());
            assertEquals(delivery.deliveryId() + ":" + chunk.get("chunkIndex") + ":" + chunk.get("fileName"), record.key());
            order.add(chunk.get("fileName") + "#" + chunk.get("chunkIndex") + "/" + chunk.get("chunkCount"));
        }
        assertEquals(Set.of(JobPartition.of(jobId, 3)), partitions, "all chunks of the job in one partition");
        assertEquals(List.of("global/a.bin#0/6", "global/a.bin#1/6", "global/a.bin#2/6", "global/a.bin#3/6",
                "global/a.bin#4/6", "global/a.bin#5/6", "global/b.bin#0/2", "global/b.bin#1/2"), order);
    }

    @Test
    void deliveriesOfOneJobWithTheSameFileNamesStaySeparate(KafkaBrokerProcess broker) throws IOException {
        Path first = Files.writeString(dir.resolve("first.json"), "{\"round\":1}");
        Path second = Files.writeString(dir.resolve("second.json"), "{\"round\":2, \"longer\":true}");
        DeliveredModel budgetSmall = DeliveredModel.budget("job-two", UUID.randomUUID().toString(), 1_000_000);
        DeliveredModel budgetLarge = DeliveredModel.budget("job-two", UUID.randomUUID().toString(), 5_000_000);
        try (ArtifactChunkPublisher publisher = publisher(broker)) {
            publisher.publish(budgetSmall, List.of(new ArtifactFile(first, "budget/model.json", "application/json")));
            publisher.publish(budgetLarge, List.of(new ArtifactFile(second, "budget/model.json", "application/json")));
        }
        AvscOnlyDeliveryReader reader = new AvscOnlyDeliveryReader(broker.bootstrapServers());

        reader.fetch("job-two", budgetSmall.deliveryId(), dir.resolve("small"));
        reader.fetch("job-two", budgetLarge.deliveryId(), dir.resolve("large"));

        assertEquals("{\"round\":1}", Files.readString(dir.resolve("small/budget/model.json")));
        assertEquals("{\"round\":2, \"longer\":true}", Files.readString(dir.resolve("large/budget/model.json")));
    }

    @Test
    void unreadableFilesAndBadDeliveriesAreRefusedWithTheReason(KafkaBrokerProcess broker) throws IOException {
        DeliveredModel delivery = DeliveredModel.global("job-bad", UUID.randomUUID().toString());
        Path present = Files.writeString(dir.resolve("present.json"), "{}");
        try (ArtifactChunkPublisher publisher = publisher(broker)) {
            ArtifactPublishException missing = assertThrows(ArtifactPublishException.class, () -> publisher.publish(
                    delivery, List.of(new ArtifactFile(dir.resolve("absent.bin"), "absent.bin", "application/octet-stream"))));
            assertTrue(missing.getMessage().contains("absent.bin"), missing.getMessage());

            assertEquals("delivery " + delivery.deliveryId() + " has no files to publish", assertThrows(
                    IllegalArgumentException.class, () -> publisher.publish(delivery, List.of())).getMessage());
            assertEquals("delivery " + delivery.deliveryId() + " names the file x.json twice", assertThrows(
                    IllegalArgumentException.class, () -> publisher.publish(delivery, List.of(
                            new ArtifactFile(present, "x.json", "application/json"),
                            new ArtifactFile(present, "x.json", "application/json")))).getMessage());
        }
    }

    private static ArtifactChunkPublisher publisher(KafkaBrokerProcess broker) {
        return new ArtifactChunkPublisher(Map.of("bootstrap.servers", broker.bootstrapServers()), CHUNK);
    }

    static List<ConsumerRecord<String, byte[]>> readAllPartitions(KafkaBrokerProcess broker) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.ARTIFACT_CHUNKS).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < ends.get(p))) {
                consumer.poll(Duration.ofSeconds(1)).forEach(records::add);
            }
        }
        return records;
    }

    private static List<String> listNames(Path directory) throws IOException {
        try (var entries = Files.list(directory)) {
            return entries.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** Independent of the publisher's own digest code. */
    private static String sha256(Path file) throws IOException {
        try {
            return java.util.HexFormat.of().formatHex(
                    java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
