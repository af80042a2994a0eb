package io.fedarch.broker.topics;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

import io.fedarch.events.wire.Topics;

/**
 * fedarch's topic layout, shared by every service's start-up and by the local launcher:
 * topics that carry model state get the large message limit and zstd compression.
 * The names come from the event contract ({@link Topics}).
 */
public final class FedarchTopicLayout {
    /** Control events are small and per job; a few partitions keep per-job ordering by key. */
    private static final int CONTROL_PARTITIONS = 3;

    private FedarchTopicLayout() {
    }

    /**
     * @param taskPartitions  partitions of the client task and update topics: the most workers that can share tasks
     * @param maxMessageBytes limit of the model-carrying topics
     */
    public static Map<String, TopicSettings> standard(int taskPartitions, int maxMessageBytes) {
        TopicSettings control = TopicSettings.partitions(CONTROL_PARTITIONS);
        TopicSettings models = TopicSettings.partitions(CONTROL_PARTITIONS)
                .withMaxMessageBytes(maxMessageBytes).withZstdCompression();
        TopicSettings work = TopicSettings.partitions(taskPartitions)
                .withMaxMessageBytes(maxMessageBytes).withZstdCompression();
        Map<String, TopicSettings> layout = new LinkedHashMap<>();
        // A job may carry its initial model (warm start, FedNAS fine-tuning of the derived network).
        layout.put(Topics.JOBS, models);
        layout.put(Topics.ROUND_STARTS, control);
        layout.put(Topics.CLIENT_TASKS, work);
        layout.put(Topics.CLIENT_UPDATES, work);
        layout.put(Topics.GLOBAL_MODELS, models);
        layout.put(Topics.SEARCH_COMPLETIONS, models);
        layout.put(Topics.PERSONALIZED_MODELS, models);
        layout.put(Topics.ARCHITECTURE_MASKS, control);
        layout.put(Topics.MODELS_READY, control);
        layout.put(Topics.DEAD_LETTERS, models);
        // Compacted: only each job's latest checkpoint matters, and it must never expire by age.
        layout.put(Topics.COORDINATOR_STATE, models.withConfig("cleanup.policy", "compact"));
        // Compacted with one key per (delivery, file, chunk): every chunk of every delivery stays and a re-publish
        // replaces its chunks. The limit of the model topics leaves room for any chunk size up to it plus the
        // record's overhead. No zstd: weights barely compress, and the broker would recompress 2 GB models.
        layout.put(Topics.ARTIFACT_CHUNKS, control.withMaxMessageBytes(maxMessageBytes)
                .withConfig("cleanup.policy", "compact"));
        return layout;
    }

    /** Connects to {@code bootstrapServers} and creates or raises the standard layout. */
    public static TopicProvisioningResult ensure(String bootstrapServers, int taskPartitions, int maxMessageBytes) {
        return ensure(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers), taskPartitions, maxMessageBytes);
    }

    /**
     * The same with full client settings (bootstrap servers plus TLS/SASL), as a secured cluster needs.
     * Settings an admin client does not know (consumer/producer tuning) are dropped, not passed on.
     */
    public static TopicProvisioningResult ensure(Map<String, Object> clientConfig, int taskPartitions,
                                                 int maxMessageBytes) {
        Properties config = new Properties();
        clientConfig.forEach((key, value) -> {
            if (AdminClientConfig.configNames().contains(key)) {
                config.put(key, value);
            }
        });
        try (Admin admin = Admin.create(config)) {
            return TopicProvisioner.ensureTopics(admin, standard(taskPartitions, maxMessageBytes));
        }
    }
}
