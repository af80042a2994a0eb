package io.fedarch.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedarch.broker.topics.TopicProvisioner;
import io.fedarch.broker.topics.TopicSettings;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Two members of one consumer group split a 4-partition topic, with both the classic rebalance
 * protocol (SmallRye's default) and the KIP-848 "consumer" protocol Kafka 4 brokers serve.
 */
@ExtendWith(SharedBrokerExtension.class)
class ConsumerGroupAssignmentTest {

    @ParameterizedTest
    @ValueSource(strings = {"classic", "consumer"})
    void twoConsumersShareFourPartitions(String groupProtocol, KafkaBrokerProcess broker) {
        String topic = "four-partitions-" + groupProtocol;
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            TopicProvisioner.ensureTopics(admin, Map.of(topic, TopicSettings.partitions(4)));
        }

        try (KafkaConsumer<String, String> first = consumer(broker, groupProtocol, topic);
             KafkaConsumer<String, String> second = consumer(broker, groupProtocol, topic)) {
            first.subscribe(List.of(topic));
            second.subscribe(List.of(topic));

            long start = System.nanoTime();
            long deadline = start + TimeUnit.SECONDS.toNanos(30);
            // Both must keep polling: a classic rebalance completes only when every member rejoins.
            while (!splitBetweenBoth(first, second, 4) && System.nanoTime() < deadline) {
                first.poll(Duration.ofMillis(100));
                second.poll(Duration.ofMillis(100));
            }

            Set<TopicPartition> firstAssignment = first.assignment();
            Set<TopicPartition> secondAssignment = second.assignment();
            assertFalse(firstAssignment.isEmpty(), "first consumer got no partition");
            assertFalse(secondAssignment.isEmpty(), "second consumer got no partition");
            Set<TopicPartition> all = new HashSet<>(firstAssignment);
            all.addAll(secondAssignment);
            assertEquals(4, all.size(), "together they must own all 4 partitions: " + all);
            assertTrue(firstAssignment.stream().noneMatch(secondAssignment::contains), "a partition is owned twice");
            System.out.printf("group protocol %s: %s + %s after %d ms%n", groupProtocol, firstAssignment,
                    secondAssignment, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        }
    }

    private static boolean splitBetweenBoth(KafkaConsumer<?, ?> first, KafkaConsumer<?, ?> second, int partitions) {
        Set<TopicPartition> a = first.assignment();
        Set<TopicPartition> b = second.assignment();
        return !a.isEmpty() && !b.isEmpty() && a.size() + b.size() == partitions && a.stream().noneMatch(b::contains);
    }

    private static KafkaConsumer<String, String> consumer(KafkaBrokerProcess broker, String groupProtocol, String topic) {
        return new KafkaConsumer<>(Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "group-of-two-" + topic,
                ConsumerConfig.GROUP_PROTOCOL_CONFIG, groupProtocol,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class));
    }
}
