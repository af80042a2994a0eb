package io.fedarch.broker.topics;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Makes sure topics exist with the settings fedarch needs, at every service start. Safe to run
 * concurrently from several services: a topic someone else created in between counts as existing.
 *
 * <p>Existing topics are never recreated, repartitioned or stripped of configs; the one thing
 * adjusted on them is {@code max.message.bytes}, and only upwards, so that a topic created by an
 * older version (or by hand) does not reject today's model sizes.
 */
public final class TopicProvisioner {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private TopicProvisioner() {
    }

    public static TopicProvisioningResult ensureTopics(Admin admin, Map<String, TopicSettings> topics) {
        return ensureTopics(admin, topics, DEFAULT_TIMEOUT);
    }

    /**
     * @param timeout bound for each round trip (create, describe, alter)
     * @throws TopicProvisioningException on any Kafka error other than "topic exists"
     */
    public static TopicProvisioningResult ensureTopics(Admin admin, Map<String, TopicSettings> topics,
                                                       Duration timeout) {
        if (topics.isEmpty()) {
            return new TopicProvisioningResult(Set.of(), Set.of());
        }
        Set<String> created = new HashSet<>();
        List<String> existing = new ArrayList<>();
        createMissing(admin, topics, timeout, created, existing);
        Set<String> raised = raiseMaxMessageBytes(admin, topics, existing, timeout);
        return new TopicProvisioningResult(created, raised);
    }

    private static void createMissing(Admin admin, Map<String, TopicSettings> topics, Duration timeout,
                                      Set<String> created, List<String> existing) {
        List<NewTopic> newTopics = new ArrayList<>();
        topics.forEach((name, settings) -> newTopics.add(
                // No replication factor: the broker's default fits both the local single node and a cluster.
                new NewTopic(name, Optional.of(settings.partitions()), Optional.empty()).configs(settings.configs())));
        Map<String, KafkaFuture<Void>> results = admin.createTopics(newTopics).values();
        for (Map.Entry<String, KafkaFuture<Void>> result : results.entrySet()) {
            try {
                await(result.getValue(), timeout, "create topic " + result.getKey());
                created.add(result.getKey());
            } catch (TopicProvisioningException e) {
                if (e.getCause() instanceof TopicExistsException) {
                    existing.add(result.getKey());
                } else {
                    throw e;
                }
            }
        }
    }

    private static Set<String> raiseMaxMessageBytes(Admin admin, Map<String, TopicSettings> topics,
                                                    Collection<String> existing, Duration timeout) {
        Map<ConfigResource, Integer> wanted = new HashMap<>();
        for (String name : existing) {
            OptionalInt maxMessageBytes = topics.get(name).maxMessageBytes();
            if (maxMessageBytes.isPresent()) {
                wanted.put(new ConfigResource(ConfigResource.Type.TOPIC, name), maxMessageBytes.getAsInt());
            }
        }
        if (wanted.isEmpty()) {
            return Set.of();
        }
        Map<ConfigResource, Config> current =
                await(admin.describeConfigs(wanted.keySet()).all(), timeout, "describe topic configs");

        Map<ConfigResource, Collection<AlterConfigOp>> raises = new HashMap<>();
        wanted.forEach((resource, target) -> {
            ConfigEntry entry = current.get(resource).get(TopicSettings.MAX_MESSAGE_BYTES);
            // The effective value includes the broker default when the topic has no override.
            if (entry == null || entry.value() == null || Integer.parseInt(entry.value()) < target) {
                raises.put(resource, List.of(new AlterConfigOp(
                        new ConfigEntry(TopicSettings.MAX_MESSAGE_BYTES, Integer.toString(target)),
                        AlterConfigOp.OpType.SET)));
            }
        });
        if (raises.isEmpty()) {
            return Set.of();
        }
        await(admin.incrementalAlterConfigs(raises).all(), timeout, "raise max.message.bytes");
        Set<String> raised = new HashSet<>();
        raises.keySet().forEach(resource -> raised.add(resource.name()));
        return raised;
    }

    private static <T> T await(KafkaFuture<T> future, Duration timeout, String what) {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new TopicProvisioningException("Kafka refused to " + what + ": " + e.getCause().getMessage(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new TopicProvisioningException("Timed out after " + timeout.toMillis() + " ms trying to " + what, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TopicProvisioningException("Interrupted while trying to " + what, e);
        }
    }
}
