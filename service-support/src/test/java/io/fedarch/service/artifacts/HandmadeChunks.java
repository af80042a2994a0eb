package io.fedarch.service.artifacts;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.UUID;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import io.fedarch.broker.KafkaBrokerProcess;
import io.fedarch.events.ArtifactChunk;
import io.fedarch.events.ModelScope;
import io.fedarch.events.wire.EventCodec;
import io.fedarch.events.wire.Topics;

/** Chunks written by hand, as a faulty publisher might, for the tests that show readers refuse them. */
final class HandmadeChunks {

    private HandmadeChunks() {
    }

    /** Bytes {@code offset..offset+length} of {@code content} as chunk {@code index} of {@code count}, intact. */
    static ArtifactChunk chunk(String job, String fileName, byte[] content, int index, int count, int offset, int length) {
        return ArtifactChunk.newBuilder().setEventId(UUID.randomUUID().toString()).setJobId(job).setDeliveryId("")
                .setScope(ModelScope.GLOBAL).setPublicationId("pub-1").setFileName(fileName)
                .setMediaType("application/octet-stream").setFileSizeBytes(content.length).setFileSha256(sha256(content))
                .setChunkIndex(index).setChunkCount(count).setOffsetBytes(offset)
                .setData(ByteBuffer.wrap(Arrays.copyOfRange(content, offset, offset + length)))
                .setTimestamp(Instant.now()).build();
    }

    /** Writes the chunks as delivery {@code deliveryId} to the job's partition, under the documented keys. */
    static void write(KafkaBrokerProcess broker, String job, String deliveryId, List<ArtifactChunk> chunks) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config)) {
            for (ArtifactChunk chunk : chunks) {
                chunk.setDeliveryId(deliveryId);
                producer.send(new ProducerRecord<>(Topics.ARTIFACT_CHUNKS, JobPartition.of(job, 3),
                        ArtifactChunkKey.of(deliveryId, chunk.getChunkIndex(), chunk.getFileName()),
                        EventCodec.encode(chunk)));
            }
            producer.flush();
        }
    }

    static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
