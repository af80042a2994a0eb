package io.fedarch.broker.topics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedarch.broker.KafkaBrokerProcess;
import io.fedarch.broker.SharedBrokerExtension;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(SharedBrokerExtension.class)
class TopicProvisionerTest {

    private Admin admin;

    @BeforeEach
    void connect(KafkaBrokerProcess broker) {
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }

    @AfterEach
    void disconnect() {
        admin.close();
    }

    @Test
    void createsMissingTopicsWithPartitionsAndConfigs() throws Exception {
        TopicProvisioningResult result = TopicProvisioner.ensureTopics(admin, Map.of(
                "prov-models", TopicSettings.partitions(3).withMaxMessageBytes(40_000_000).withZstdCompression(),
                "prov-events", TopicSettings.partitions(2).withConfig("retention.ms", "3600000")));

        assertEquals(Set.of("prov-models", "prov-events"), result.created());
        TopicDescription models = admin.describeTopics(List.of("prov-models")).allTopicNames()
                .get(30, TimeUnit.SECONDS).get("prov-models");
        assertEquals(3, models.partitions().size());
        Config modelsConfig = topicConfig("prov-models");
        assertEquals("40000000", modelsConfig.get("max.message.bytes").value());
        assertEquals("zstd", modelsConfig.get("compression.type").value());
        assertEquals("3600000", topicConfig("prov-events").get("retention.ms").value());
    }

    @Test
    void secondRunChangesNothing() {
        Map<String, TopicSettings> topics = Map.of("prov-idempotent", TopicSettings.partitions(2).withMaxMessageBytes(5_000_000));
        assertEquals(Set.of("prov-idempotent"), TopicProvisioner.ensureTopics(admin, topics).created());

        TopicProvisioningResult again = TopicProvisioner.ensureTopics(admin, topics);

        assertTrue(again.changedNothing(), "unexpected changes: " + again);
    }

    @Test
    void raisesTooSmallMaxMessageBytesOfExistingTopicButNeverLowersIt() throws Exception {
        TopicProvisioner.ensureTopics(admin, Map.of("prov-grow", TopicSettings.partitions(1).withMaxMessageBytes(1_048_576)));

        TopicProvisioningResult raised = TopicProvisioner.ensureTopics(admin,
                Map.of("prov-grow", TopicSettings.partitions(1).withMaxMessageBytes(50_000_000)));
        assertEquals(Set.of("prov-grow"), raised.raisedMaxMessageBytes());
        assertEquals("50000000", topicConfig("prov-grow").get("max.message.bytes").value());

        TopicProvisioningResult smaller = TopicProvisioner.ensureTopics(admin,
                Map.of("prov-grow", TopicSettings.partitions(1).withMaxMessageBytes(2_000_000)));
        assertTrue(smaller.changedNothing());
        assertEquals("50000000", topicConfig("prov-grow").get("max.message.bytes").value());
    }

    @Test
    void kafkaErrorsOtherThanTopicExistsAreReported() {
        // An unknown cleanup policy is refused by the broker itself, not by the client.
        TopicProvisioningException error = assertThrows(TopicProvisioningException.class,
                () -> TopicProvisioner.ensureTopics(admin, Map.of("prov-bad", new TopicSettings(1, Map.of("cleanup.policy", "shred")))));
        assertTrue(error.getMessage().contains("prov-bad"), error.getMessage());
        assertEquals("org.apache.kafka.common.errors.InvalidConfigurationException", error.getCause().getClass().getName());
    }

    private Config topicConfig(String topic) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
    }
}
