package io.fedarch.events.wire;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.function.Predicate;

import org.apache.avro.specific.SpecificRecord;
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

/**
 * A plain Kafka client for fedarch topics: publishes events (or raw bytes), and follows a topic
 * from its current end waiting for matching events. Tests use it to play the other services'
 * part of the protocol against a real broker; scripts and external Java systems can use it to
 * submit jobs and await models with nothing but the schemas jar.
 */
public final class TopicTap implements AutoCloseable {
    private final KafkaProducer<String, byte[]> producer;
    private final String bootstrap;

    public TopicTap(String bootstrapServers) {
        bootstrap = bootstrapServers;
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        // Model-carrying events may be tens of MiB: the request limit and the buffer must both hold one.
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(64 << 20));
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(256L << 20));
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
        producer = new KafkaProducer<>(p);
    }

    public void sendRaw(String topic, String key, byte[] value) {
        try {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public void send(String topic, String key, SpecificRecord event) {
        sendRaw(topic, key, EventCodec.encode(event));
    }

    /** A reader positioned at the topic's current end, for events produced from now on (committed ones only). */
    public <T extends SpecificRecord> Reader<T> follow(String topic, Class<T> type) {
        return new Reader<>(bootstrap, topic, type, true);
    }

    /**
     * Like {@link #follow}, but also seeing events of transactions that were never committed: what a
     * consumer that ignores transactions would see (fault tests use it to show an output was sent, then aborted).
     */
    public <T extends SpecificRecord> Reader<T> followUncommitted(String topic, Class<T> type) {
        return new Reader<>(bootstrap, topic, type, false);
    }

    @Override
    public void close() {
        producer.close();
    }

    public static final class Reader<T extends SpecificRecord> implements AutoCloseable {
        private final KafkaConsumer<String, byte[]> consumer;
        private final Class<T> type;
        private int skippedMalformed;
        private int read;

        Reader(String bootstrap, String topic, Class<T> type, boolean committedOnly) {
            this.type = type;
            Properties c = new Properties();
            c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
            c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            c.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(64 << 20));
            c.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(64 << 20));
            // The coordinator publishes in transactions: only committed events happened.
            c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, committedOnly ? "read_committed" : "read_uncommitted");
            consumer = new KafkaConsumer<>(c);
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            if (partitions.isEmpty()) {
                // Following no partition would wait out every timeout and report "got 0" instead of the cause.
                consumer.close();
                throw new IllegalStateException("topic " + topic + " has no partitions at " + bootstrap
                        + " (not created yet?)");
            }
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
        }

        /** Waits until {@code count} events matching {@code filter} arrived; returns them in arrival order. */
        public List<T> await(int count, Predicate<T> filter, Duration timeout) {
            int readBefore = read;
            int malformedBefore = skippedMalformed;
            List<T> matched = collect(filter, timeout, count);
            if (matched.size() < count) {
                // How many events the reader saw at all tells "nothing arrived" from "others arrived".
                throw new AssertionError("expected " + count + " " + type.getSimpleName() + " events within "
                        + timeout.toSeconds() + " s, got " + matched.size() + " (meanwhile the reader read "
                        + (read - readBefore) + " events and skipped " + (skippedMalformed - malformedBefore)
                        + " malformed records)");
            }
            return matched;
        }

        /** Events matching {@code filter} arriving within {@code window} (for asserting that nothing comes). */
        public List<T> during(Duration window, Predicate<T> filter) {
            return collect(filter, window, Integer.MAX_VALUE);
        }

        /** Records that are not valid events of this type were skipped: someone else's garbage is not ours to fail on. */
        public int skippedMalformed() {
            return skippedMalformed;
        }

        private List<T> collect(Predicate<T> filter, Duration timeout, int enough) {
            List<T> matched = new ArrayList<>();
            long deadline = System.nanoTime() + timeout.toNanos();
            while (matched.size() < enough && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    T event;
                    try {
                        event = EventCodec.decode(record.value(), type);
                    } catch (MalformedEventException e) {
                        skippedMalformed++;
                        continue;
                    }
                    read++;
                    if (filter.test(event)) {
                        matched.add(event);
                    }
                }
            }
            return matched;
        }

        @Override
        public void close() {
            consumer.close();
        }
    }
}
