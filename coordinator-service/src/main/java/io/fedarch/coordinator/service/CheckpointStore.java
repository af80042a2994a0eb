package io.fedarch.coordinator.service;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.fedarch.core.federation.JobCheckpoints;
import io.fedarch.core.federation.JobState;
import io.fedarch.events.JobCheckpoint;
import io.fedarch.events.wire.EventCodec;
import io.fedarch.events.wire.MalformedEventException;
import io.fedarch.events.wire.Topics;
import io.smallrye.common.annotation.Identifier;

/**
 * Writes job checkpoints to the compacted fedarch.coordinator-state topic and reads them all back
 * at start-up. A write returns only once the broker has the checkpoint (idempotent producer,
 * acks=all): the event that caused the change is acknowledged, and its offset committed, only
 * after that, so a crash can lose no accepted work, only redo some.
 */
@ApplicationScoped
public class CheckpointStore {
    private static final Logger LOG = Logger.getLogger(CheckpointStore.class);
    private static final Duration RETRY_PAUSE = Duration.ofSeconds(1);

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @ConfigProperty(name = "fedarch.topics.max-message-bytes", defaultValue = "67108864")
    int maxMessageBytes;

    private KafkaProducer<String, byte[]> producer;

    /**
     * Writes the job's next checkpoint; blocks, retrying, while the broker is unreachable.
     *
     * @throws CheckpointUnwritableException when the broker refuses it for a reason retrying cannot change
     */
    public void save(JobState run) {
        run.nextCheckpointSequence();
        byte[] value;
        try {
            value = EventCodec.encode(JobCheckpoints.of(run, Instant.now()));
        } catch (RuntimeException e) {
            throw new CheckpointUnwritableException("checkpoint of job " + run.jobId() + " cannot be encoded: " + e, e);
        }
        if (value.length > maxMessageBytes) {
            throw new CheckpointUnwritableException("checkpoint of job " + run.jobId() + " is " + value.length
                    + " bytes, above the " + maxMessageBytes + "-byte message limit", null);
        }
        for (int attempt = 1; ; attempt++) {
            try {
                producer().send(new ProducerRecord<>(Topics.COORDINATOR_STATE, run.jobId(), value)).get(60, TimeUnit.SECONDS);
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while writing the checkpoint of job " + run.jobId(), e);
            } catch (ExecutionException e) {
                if (!retriable(e.getCause())) {
                    throw new CheckpointUnwritableException("checkpoint " + run.checkpointSequence() + " of job "
                            + run.jobId() + " refused by the broker: " + e.getCause(), e.getCause());
                }
                LOG.warnf("checkpoint %d of job %s not written (attempt %d): %s; retrying", run.checkpointSequence(),
                        run.jobId(), attempt, e.getCause());
                sleep(RETRY_PAUSE);
            } catch (TimeoutException e) {
                // Going on without a durable checkpoint would acknowledge work a crash could lose: wait for the broker.
                LOG.warnf("checkpoint %d of job %s not written (attempt %d): %s; retrying", run.checkpointSequence(),
                        run.jobId(), attempt, e.getCause() == null ? e : e.getCause());
                sleep(RETRY_PAUSE);
            }
        }
    }

    /**
     * Removes the job's checkpoints (a tombstone, which compaction keeps until it removes them), so a
     * restarted coordinator does not resume a job given up for good. Best effort: a job resumed
     * anyway fails again the same way.
     */
    public void forget(String jobId) {
        try {
            producer().send(new ProducerRecord<>(Topics.COORDINATOR_STATE, jobId, null)).get(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warnf("checkpoints of job %s not removed: %s", jobId, e.getCause() == null ? e : e.getCause());
        }
    }

    /**
     * Whether waiting could make the write succeed: the broker being away is (timeouts, leader
     * changes, not enough replicas); a record too large, a missing authorisation or a serialisation
     * failure never is.
     */
    static boolean retriable(Throwable cause) {
        return cause instanceof org.apache.kafka.common.errors.RetriableException
                || !(cause instanceof org.apache.kafka.common.KafkaException);
    }

    /** Every job's latest checkpoint on the topic, in the order the jobs were first seen. */
    public Map<String, JobCheckpoint> readLatest() {
        Map<String, JobCheckpoint> latest = new LinkedHashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.COORDINATOR_STATE, Duration.ofSeconds(30))
                    .stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.value() == null) {
                        latest.remove(record.key());
                        continue;
                    }
                    JobCheckpoint checkpoint;
                    try {
                        checkpoint = EventCodec.decode(record.value(), JobCheckpoint.class);
                    } catch (MalformedEventException e) {
                        // A checkpoint of another schema (written by an older coordinator) cannot be resumed exactly:
                        // refuse it by name rather than fail start-up or guess at its meaning.
                        LOG.errorf("checkpoint of job %s at %s[%d]@%d cannot be read by this coordinator and is not "
                                + "resumed (%s); a checkpoint written before the strategy-state contract is refused, "
                                + "resubmit the job", record.key(), record.topic(), record.partition(), record.offset(),
                                e.getMessage());
                        latest.remove(record.key());
                        continue;
                    }
                    JobCheckpoint known = latest.get(checkpoint.getJobId());
                    if (known == null || known.getSequence() < checkpoint.getSequence()) {
                        latest.put(checkpoint.getJobId(), checkpoint);
                    }
                }
            }
        }
        return latest;
    }

    /** A plain consumer with the services' Kafka settings (bootstrap servers, security), for reading logs back. */
    KafkaConsumer<String, byte[]> consumer() {
        Map<String, Object> config = new HashMap<>(kafkaConfig);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, maxMessageBytes);
        config.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, maxMessageBytes);
        return new KafkaConsumer<>(config);
    }

    private synchronized KafkaProducer<String, byte[]> producer() {
        if (producer == null) {
            Map<String, Object> config = new HashMap<>(kafkaConfig);
            config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            config.put(ProducerConfig.ACKS_CONFIG, "all");
            config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
            config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, maxMessageBytes);
            config.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Math.max(4L * maxMessageBytes, 33_554_432L));
            config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
            producer = new KafkaProducer<>(config);
        }
        return producer;
    }

    private static void sleep(Duration pause) {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @PreDestroy
    synchronized void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }
}
