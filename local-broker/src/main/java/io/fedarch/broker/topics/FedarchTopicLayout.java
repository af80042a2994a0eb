package io.fedarch.broker.topics;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * fedarch's topic layout, shared by every service's start-up and by the local launcher:
 * topics that carry model state get the large message limit and zstd compression.
 * Topic names are kept here rather than taken from the schemas module so that this module
 * stays usable by anyone who only wants a broker; fedarch-cli's {@code TopicLayoutTest} keeps the two lists equal.
 */
public final class FedarchTopicLayout {
    public static final String JOBS = "fedarch.jobs";
    public static final String ROUND_STARTS = "fedarch.round-starts";
    public static final String CLIENT_TASKS = "fedarch.client-tasks";
    public static final String CLIENT_UPDATES = "fedarch.client-updates";
    public static final String GLOBAL_MODELS = "fedarch.global-models";
    public static final String SEARCH_COMPLETIONS = "fedarch.search-completions";
    public static final String MODELS_READY = "fedarch.models-ready";
    public static final String DEAD_LETTERS = "fedarch.dead-letters";

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
        layout.put(JOBS, control);
        layout.put(ROUND_STARTS, control);
        layout.put(CLIENT_TASKS, work);
        layout.put(CLIENT_UPDATES, work);
        layout.put(GLOBAL_MODELS, models);
        layout.put(SEARCH_COMPLETIONS, models);
        layout.put(MODELS_READY, control);
        layout.put(DEAD_LETTERS, models);
        return layout;
    }

    /** Connects to {@code bootstrapServers} and creates or raises the standard layout. */
    public static TopicProvisioningResult ensure(String bootstrapServers, int taskPartitions, int maxMessageBytes) {
        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(config)) {
            return TopicProvisioner.ensureTopics(admin, standard(taskPartitions, maxMessageBytes));
        }
    }
}
