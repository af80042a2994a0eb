package io.fedarch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.Test;

import io.fedarch.broker.topics.FedarchTopicLayout;
import io.fedarch.broker.topics.TopicSettings;
import io.fedarch.events.wire.Topics;

class TopicLayoutTest {
    @Test
    void theProvisionedTopicsAreExactlyTheEventCatalogue() {
        var layout = FedarchTopicLayout.standard(8, 64 << 20);
        assertEquals(new TreeSet<>(Topics.ALL), new TreeSet<>(layout.keySet()));
    }

    @Test
    void everyModelCarryingTopicGetsTheLargeLimitAndZstd() {
        var layout = FedarchTopicLayout.standard(8, 64 << 20);
        for (String topic : Topics.MODEL_CARRYING) {
            TopicSettings settings = layout.get(topic);
            assertEquals(64 << 20, settings.maxMessageBytes().orElse(-1), topic);
            assertEquals("zstd", settings.configs().get("compression.type"), topic);
        }
        assertEquals(Set.of(8), Set.of(layout.get(Topics.CLIENT_TASKS).partitions()));
    }
}
