package io.fedarch.broker.topics;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * How one topic should look: its partition count and topic-level configs.
 *
 * <p>Immutable; the {@code with...} methods return copies.
 * <pre>{@code
 * TopicSettings.partitions(4).withMaxMessageBytes(48 * 1024 * 1024).withZstdCompression()
 * }</pre>
 *
 * @param partitions number of partitions when the topic is created
 * @param configs    topic-level configs, e.g. {@code retention.ms}
 */
public record TopicSettings(int partitions, Map<String, String> configs) {

    public static final String MAX_MESSAGE_BYTES = "max.message.bytes";
    public static final String COMPRESSION_TYPE = "compression.type";

    public TopicSettings {
        if (partitions < 1) {
            throw new IllegalArgumentException("a topic needs at least one partition, got " + partitions);
        }
        configs = Map.copyOf(configs);
    }

    public static TopicSettings partitions(int partitions) {
        return new TopicSettings(partitions, Map.of());
    }

    /** Largest record batch the topic accepts; existing topics are raised to it if lower. */
    public TopicSettings withMaxMessageBytes(int maxMessageBytes) {
        return withConfig(MAX_MESSAGE_BYTES, Integer.toString(maxMessageBytes));
    }

    /**
     * Stores batches zstd-compressed. With the producer also on zstd the broker keeps the
     * producer's batches as they are instead of recompressing them.
     */
    public TopicSettings withZstdCompression() {
        return withConfig(COMPRESSION_TYPE, "zstd");
    }

    public TopicSettings withConfig(String key, String value) {
        Map<String, String> copy = new LinkedHashMap<>(configs);
        copy.put(key, value);
        return new TopicSettings(partitions, copy);
    }

    public OptionalInt maxMessageBytes() {
        String value = configs.get(MAX_MESSAGE_BYTES);
        return value == null ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(value));
    }
}
