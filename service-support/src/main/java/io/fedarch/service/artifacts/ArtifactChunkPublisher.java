package io.fedarch.service.artifacts;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import io.fedarch.events.ArtifactChunk;
import io.fedarch.events.wire.EventCodec;
import io.fedarch.events.wire.Topics;

/**
 * Publishes the files of a delivered model to {@code fedarch.artifact-chunks} in chunks, for consumers that
 * reach nothing but the broker (the pruning exporter calls it before it announces the ModelReady).
 *
 * <p>Each file is read twice as a stream, never whole: once for its SHA-256 (every chunk states the file's
 * digest), once to send it in chunks of {@code chunkBytes} while digesting again; a file that changed in
 * between fails the publish. The producer is idempotent with {@code acks=all}, and {@link #publish} returns
 * only when the broker has acknowledged every chunk, so a ModelReady sent afterwards never announces files
 * that are not all there. Memory: the producer's buffer (at least 32 MiB) bounds the chunks in flight.
 *
 * <p>Order: every chunk of a job goes to one partition ({@link JobPartition}); within it the chunks of a
 * delivery appear in the order of the files given and, per file, in chunk index order (the idempotent
 * producer keeps send order across retries). A re-publish of the same delivery writes the same keys
 * ({@link ArtifactChunkKey}) with a new publicationId, so after compaction only the newest copy remains.
 *
 * <p>Thread-safe; one delivery is published at a time. Close it to release the producer.
 */
public final class ArtifactChunkPublisher implements AutoCloseable {

    public static final int DEFAULT_CHUNK_BYTES = 4 << 20;
    /** Room for the key and the chunk's other fields on top of its data. */
    static final int RECORD_OVERHEAD_BYTES = 64 << 10;
    /** Far above any topic limit; keeps the producer's buffer (two records) within an int. */
    static final int MAX_CHUNK_BYTES = (512 << 20) - RECORD_OVERHEAD_BYTES;
    private static final int MIN_BUFFER_MEMORY = 32 << 20;

    private final KafkaProducer<String, byte[]> producer;
    private final int chunkBytes;

    /** With 4 MiB chunks. */
    public ArtifactChunkPublisher(Map<String, Object> kafkaConfig) {
        this(kafkaConfig, DEFAULT_CHUNK_BYTES);
    }

    /**
     * @param kafkaConfig client settings: bootstrap servers plus TLS/SASL; settings a producer does not know
     *                    (consumer tuning, channel settings) are dropped; serializers, acks and idempotence are
     *                    this class's own
     * @param chunkBytes  data bytes per chunk; the topic's max.message.bytes must hold it plus 64 KiB
     */
    public ArtifactChunkPublisher(Map<String, Object> kafkaConfig, int chunkBytes) {
        if (chunkBytes < 1 || chunkBytes > MAX_CHUNK_BYTES) {
            throw new IllegalArgumentException("chunkBytes must be 1.." + MAX_CHUNK_BYTES + ", got " + chunkBytes);
        }
        this.chunkBytes = chunkBytes;
        Properties config = new Properties();
        kafkaConfig.forEach((key, value) -> {
            if (ProducerConfig.configNames().contains(key)) {
                config.put(key, value);
            }
        });
        int maxRecordBytes = chunkBytes + RECORD_OVERHEAD_BYTES;
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        // Idempotence keeps the order of up to 5 requests in flight per connection, retries included.
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, "5");
        config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(maxRecordBytes));
        // The buffer must hold at least a couple of whole chunks; send() blocks when it is full.
        config.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(Math.max(MIN_BUFFER_MEMORY, 2L * maxRecordBytes)));
        // Weights barely compress; the topic keeps what the producer sends.
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
        config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "fedarch-artifact-publisher");
        this.producer = new KafkaProducer<>(config);
    }

    public int chunkBytes() {
        return chunkBytes;
    }

    /**
     * Sends every file of {@code delivery} in chunks and waits until the broker has acknowledged all of them.
     *
     * @return per file, in the order given: its name, media type, size, SHA-256 and chunk count
     * @throws ArtifactPublishException when a file cannot be read or changes while it is sent, or the broker
     *         does not acknowledge a chunk; some chunks may then be on the topic, and publishing the delivery
     *         again replaces them
     * @throws IllegalArgumentException when {@code files} is empty or names a file twice
     */
    public synchronized List<PublishedArtifact> publish(DeliveredModel delivery, List<ArtifactFile> files) {
        if (files.isEmpty()) {
            throw new IllegalArgumentException("delivery " + delivery.deliveryId() + " has no files to publish");
        }
        Set<String> names = new HashSet<>();
        for (ArtifactFile file : files) {
            if (!names.add(file.name())) {
                throw new IllegalArgumentException("delivery " + delivery.deliveryId() + " names the file "
                        + file.name() + " twice");
            }
        }
        int partition = JobPartition.of(delivery.jobId(), partitionCount());
        String publicationId = UUID.randomUUID().toString();
        InFlight inFlight = new InFlight();
        List<PublishedArtifact> published = new ArrayList<>();
        try {
            for (ArtifactFile file : files) {
                published.add(sendFile(delivery, publicationId, partition, file, inFlight));
            }
        } finally {
            // Whatever happened, nothing of this delivery may still be in flight when publish returns.
            producer.flush();
        }
        inFlight.awaitAcknowledged(delivery);
        return published;
    }

    private int partitionCount() {
        try {
            return producer.partitionsFor(Topics.ARTIFACT_CHUNKS).size();
        } catch (KafkaException e) {
            throw new ArtifactPublishException("cannot find the partitions of " + Topics.ARTIFACT_CHUNKS
                    + " (does the topic exist?): " + e.getMessage(), e);
        }
    }

    private PublishedArtifact sendFile(DeliveredModel delivery, String publicationId, int partition,
                                       ArtifactFile file, InFlight inFlight) {
        try (FileChannel channel = FileChannel.open(file.source(), StandardOpenOption.READ)) {
            long size = channel.size();
            String sha256 = FileSha256.of(file.source());
            int chunkCount = Math.toIntExact(Math.max(1, (size + chunkBytes - 1) / chunkBytes));
            MessageDigest sent = FileSha256.newDigest();
            long offset = 0;
            for (int index = 0; index < chunkCount; index++) {
                byte[] data = new byte[(int) Math.min(chunkBytes, size - offset)];
                readFully(channel, data, offset, file);
                sent.update(data);
                ArtifactChunk chunk = ArtifactChunk.newBuilder()
                        .setEventId(UUID.randomUUID().toString()).setJobId(delivery.jobId())
                        .setDeliveryId(delivery.deliveryId()).setScope(delivery.scope())
                        .setClientId(delivery.clientId()).setMacsBudget(delivery.macsBudget())
                        .setPublicationId(publicationId).setFileName(file.name()).setMediaType(file.mediaType())
                        .setFileSizeBytes(size).setFileSha256(sha256).setChunkIndex(index).setChunkCount(chunkCount)
                        .setOffsetBytes(offset).setData(ByteBuffer.wrap(data)).setTimestamp(Instant.now()).build();
                inFlight.send(new ProducerRecord<>(Topics.ARTIFACT_CHUNKS, partition,
                        ArtifactChunkKey.of(delivery.deliveryId(), index, file.name()), EventCodec.encode(chunk)));
                offset += data.length;
            }
            if (channel.size() != size || !FileSha256.hex(sent).equals(sha256)) {
                throw new ArtifactPublishException(file.source() + " (" + file.name()
                        + ") changed while it was published; publish the delivery again once it is final");
            }
            return new PublishedArtifact(file.name(), file.mediaType(), size, sha256, chunkCount);
        } catch (IOException e) {
            throw new ArtifactPublishException("cannot read " + file.source() + " (" + file.name() + "): " + e, e);
        }
    }

    private static void readFully(FileChannel channel, byte[] data, long offset, ArtifactFile file) throws IOException {
        ByteBuffer target = ByteBuffer.wrap(data);
        while (target.hasRemaining()) {
            if (channel.read(target, offset + target.position()) < 0) {
                throw new EOFException(file.source() + " shrank while it was published");
            }
        }
    }

    @Override
    public void close() {
        producer.close();
    }

    /** The acknowledgements of one publish: stops sending at the first failure, then reports it. */
    private final class InFlight {
        private final List<Future<RecordMetadata>> acknowledgements = new ArrayList<>();
        private final AtomicReference<Exception> firstFailure = new AtomicReference<>();

        void send(ProducerRecord<String, byte[]> record) {
            Exception failed = firstFailure.get();
            if (failed != null) {
                throw new ArtifactPublishException("the broker did not acknowledge a chunk: " + failed.getMessage(),
                        failed);
            }
            try {
                acknowledgements.add(producer.send(record, (metadata, error) -> {
                    if (error != null) {
                        firstFailure.compareAndSet(null, error);
                    }
                }));
            } catch (KafkaException e) {
                throw new ArtifactPublishException("cannot send chunk " + record.key() + ": " + e.getMessage(), e);
            }
        }

        void awaitAcknowledged(DeliveredModel delivery) {
            for (Future<RecordMetadata> acknowledgement : acknowledgements) {
                try {
                    acknowledgement.get();
                } catch (ExecutionException e) {
                    throw new ArtifactPublishException("the broker did not acknowledge a chunk of delivery "
                            + delivery.deliveryId() + ": " + e.getCause().getMessage(), e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ArtifactPublishException("interrupted while waiting for the chunks of delivery "
                            + delivery.deliveryId(), e);
                }
            }
        }
    }
}
