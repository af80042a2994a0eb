package io.fedarch.coordinator.service;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.smallrye.common.annotation.Identifier;

/**
 * Everything one input causes — the published events (tasks, global models, personalized models,
 * completions), the job's checkpoint and the input's consumed offset — is committed in one Kafka
 * transaction, or none of it is: consumers read with {@code isolation.level=read_committed}, so a
 * coordinator that dies half-way leaves nothing visible, and its successor redoes the input from
 * the last committed checkpoint. No output is lost, none is seen twice, and no round is aggregated
 * twice under one event id. The fixed transactional id fences a zombie or second coordinator: once
 * a newer one has started, every commit of the older one fails and it stops.
 * <p>
 * One transaction at a time (a producer runs one), so commits of different jobs queue here; each
 * waits for the broker's acknowledgement, and while the broker is away it retries with a fresh
 * producer (which aborts what the old one left open) until it can commit.
 */
@ApplicationScoped
public class TransactionalCommit {
    private static final Logger LOG = Logger.getLogger(TransactionalCommit.class);
    private static final Duration RETRY_PAUSE = Duration.ofSeconds(1);

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @ConfigProperty(name = "fedarch.topics.max-message-bytes", defaultValue = "67108864")
    int maxMessageBytes;

    /** One per coordinator deployment: a second instance with the same id fences the first. */
    @ConfigProperty(name = "fedarch.coordinator.transactional-id", defaultValue = "fedarch-coordinator")
    String transactionalId;

    /** The consumer group whose offsets the transactions commit (the coordinator's incoming channels). */
    @ConfigProperty(name = "fedarch.coordinator.group-id", defaultValue = "fedarch-coordinator")
    String groupId;

    /**
     * Test-only fault injection: the topic whose first record in a transaction halts the JVM after
     * the transaction's records are sent and before it commits (a crash between publishing and
     * checkpointing); empty, the default, for none.
     */
    @ConfigProperty(name = "fedarch.coordinator.fault.halt-before-commit")
    java.util.Optional<String> haltBeforeCommitOn;

    private KafkaProducer<String, byte[]> producer;

    /**
     * Commits {@code records} and, when {@code consumed} is set, the offset after it; blocks,
     * retrying, while the broker is unreachable.
     *
     * @throws CoordinatorFencedException   when a newer coordinator took over
     * @throws CheckpointUnwritableException when the broker refuses a record for good (too large)
     */
    public synchronized void commit(List<ProducerRecord<String, byte[]>> records, Consumed consumed) {
        for (int attempt = 1; ; attempt++) {
            try {
                KafkaProducer<String, byte[]> p = producer();
                p.beginTransaction();
                for (ProducerRecord<String, byte[]> record : records) {
                    p.send(record);
                }
                if (consumed != null) {
                    p.sendOffsetsToTransaction(Map.of(new TopicPartition(consumed.topic(), consumed.partition()),
                            new OffsetAndMetadata(consumed.offset() + 1)), new ConsumerGroupMetadata(groupId));
                }
                if (haltBeforeCommitOn.isPresent()
                        && records.stream().anyMatch(r -> r.topic().equals(haltBeforeCommitOn.get().trim()))) {
                    p.flush();
                    LOG.error("FAULT INJECTION: halting after sending " + records.size() + " records, before commit");
                    Runtime.getRuntime().halt(137);
                }
                p.commitTransaction();
                return;
            } catch (KafkaException e) {
                reset();
                switch (classify(e)) {
                    case FENCED -> {
                        LOG.errorf("fenced: %s; another coordinator with transactional id %s took over, this one exits",
                                e, transactionalId);
                        io.quarkus.runtime.Quarkus.asyncExit(3);
                        throw new CoordinatorFencedException(e);
                    }
                    case REFUSED -> throw new CheckpointUnwritableException("a record of the transaction was refused: "
                            + e, e);
                    case RETRY -> {
                        LOG.warnf("transaction of %d record(s) not committed (attempt %d): %s; retrying",
                                records.size(), attempt, e);
                        sleep();
                    }
                }
            }
        }
    }

    /** What a failed transaction means: another coordinator took over, a record can never be written, or wait. */
    enum Failure { FENCED, REFUSED, RETRY }

    static Failure classify(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ProducerFencedException || t instanceof InvalidProducerEpochException
                    || t instanceof OutOfOrderSequenceException || t instanceof AuthorizationException
                    || t instanceof UnsupportedVersionException) {
                return Failure.FENCED;
            }
            if (t instanceof RecordTooLargeException || t instanceof org.apache.kafka.common.errors.SerializationException) {
                return Failure.REFUSED;
            }
        }
        return Failure.RETRY;
    }

    private KafkaProducer<String, byte[]> producer() {
        if (producer == null) {
            Map<String, Object> config = new HashMap<>(kafkaConfig);
            config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
            config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
            config.put(ProducerConfig.ACKS_CONFIG, "all");
            config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
            config.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, maxMessageBytes);
            config.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Math.max(4L * maxMessageBytes, 33_554_432L));
            config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
            KafkaProducer<String, byte[]> created = new KafkaProducer<>(config);
            try {
                // Fences every older producer with this id and aborts what it left open.
                created.initTransactions();
            } catch (RuntimeException e) {
                created.close(Duration.ZERO);
                throw e;
            }
            producer = created;
        }
        return producer;
    }

    /** Drops the producer after a failed transaction; the next one's initTransactions aborts what is open. */
    private void reset() {
        if (producer != null) {
            try {
                producer.close(Duration.ZERO);
            } catch (RuntimeException e) {
                LOG.debugf("closing a failed producer: %s", e);
            }
            producer = null;
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(RETRY_PAUSE.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while committing", e);
        }
    }

    /** Opens the producer at start-up, so a newer coordinator fences the older one before handling anything. */
    public synchronized void start() {
        producer();
    }

    @PreDestroy
    synchronized void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }
}
