package io.fedarch.broker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedarch.broker.topics.TopicProvisioner;
import io.fedarch.broker.topics.TopicSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.ReplicaInfo;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A model-sized record (33 MiB) crosses the real broker with zstd compression. The payload is
 * random, hence incompressible: the batch on the wire and on disk really is over 32 MiB, which
 * only works with the producer, topic, broker and consumer limits all raised together.
 */
@ExtendWith(SharedBrokerExtension.class)
class BigMessageRoundTripTest {

    private static final int PAYLOAD_BYTES = 33 * 1024 * 1024;
    private static final int LIMIT_BYTES = 48 * 1024 * 1024;
    private static final String TOPIC = "big-model-weights";

    @Test
    void thirtyThreeMebibyteRecordRoundTripsWithZstd(KafkaBrokerProcess broker) throws Exception {
        byte[] payload = new byte[PAYLOAD_BYTES];
        new Random(42).nextBytes(payload);
        TopicPartition partition = new TopicPartition(TOPIC, 0);

        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            TopicProvisioner.ensureTopics(admin, Map.of(TOPIC,
                    TopicSettings.partitions(1).withMaxMessageBytes(LIMIT_BYTES).withZstdCompression()));

            long produceStart = System.nanoTime();
            RecordMetadata written;
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(producerConfig(broker))) {
                written = producer.send(new ProducerRecord<>(TOPIC, "model-1".getBytes(), payload)).get(60, TimeUnit.SECONDS);
            }
            long produceMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - produceStart);
            assertEquals(0, written.offset());

            long consumeStart = System.nanoTime();
            ConsumerRecord<byte[], byte[]> read = readFirstRecord(broker, partition);
            long consumeMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - consumeStart);

            assertArrayEquals(payload, read.value());
            long bytesOnDisk = partitionSizeOnDisk(admin, partition);
            assertTrue(bytesOnDisk > 32L * 1024 * 1024, "stored batch is only " + bytesOnDisk + " bytes");
            System.out.printf("big message: %d bytes, produce %d ms, consume %d ms, %d bytes on disk%n",
                    payload.length, produceMs, consumeMs, bytesOnDisk);
        }
    }

    private static Map<String, Object> producerConfig(KafkaBrokerProcess broker) {
        return Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd",
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, LIMIT_BYTES,
                // The whole record must fit in the producer's buffer (32 MiB by default).
                ProducerConfig.BUFFER_MEMORY_CONFIG, 2L * LIMIT_BYTES);
    }

    private static ConsumerRecord<byte[], byte[]> readFirstRecord(KafkaBrokerProcess broker, TopicPartition partition) {
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, LIMIT_BYTES,
                ConsumerConfig.FETCH_MAX_BYTES_CONFIG, LIMIT_BYTES);
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    return record;
                }
            }
        }
        throw new AssertionError("no record arrived within 60 s");
    }

    private static long partitionSizeOnDisk(Admin admin, TopicPartition partition) throws Exception {
        Map<String, LogDirDescription> logDirs = admin.describeLogDirs(List.of(1)).descriptions().get(1)
                .get(30, TimeUnit.SECONDS);
        long size = 0;
        for (LogDirDescription logDir : logDirs.values()) {
            ReplicaInfo replica = logDir.replicaInfos().get(partition);
            if (replica != null) {
                size += replica.size();
            }
        }
        return size;
    }
}
