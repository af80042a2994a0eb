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
 * Job checkpoints on the compacted fedarch.coordinator-state topic: built here as records of the
 * transaction that commits an input's effects ({@link TransactionalCommit}), and read back at
 * start-up (committed transactions only), so a crash can lose no accepted work, only redo some.
 */
@ApplicationScoped
public class CheckpointStore {
    private static final Logger LOG = Logger.getLogger(CheckpointStore.class);

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @ConfigProperty(name = "fedarch.topics.max-message-bytes", defaultValue = "67108864")
    int maxMessageBytes;


    /**
     * The job's next checkpoint as a record for the transaction that commits the input's effects
     * ({@link TransactionalCommit}).
     *
     * @throws CheckpointUnwritableException when it cannot be encoded or would exceed the message limit
     */
    public ProducerRecord<String, byte[]> record(JobState run) {
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
        return new ProducerRecord<>(Topics.COORDINATOR_STATE, run.jobId(), value);
    }

    /**
     * A tombstone removing the job's checkpoints (compaction keeps it until it removes them), so a
     * restarted coordinator does not resume a job given up for good.
     */
    public ProducerRecord<String, byte[]> tombstone(String jobId) {
        return new ProducerRecord<>(Topics.COORDINATOR_STATE, jobId, null);
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
        // Only what committed transactions wrote: a checkpoint of a transaction a crash aborted never happened.
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, maxMessageBytes);
        config.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, maxMessageBytes);
        return new KafkaConsumer<>(config);
    }

}
