package io.fedarch.service;

import java.util.Map;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.fedarch.broker.topics.FedarchTopicLayout;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;

/**
 * Creates the fedarch topics that are missing (and raises too-low message limits) before the
 * messaging channels connect, so any service can be the first to start on an empty cluster.
 * Where topics are managed elsewhere (Strimzi {@code KafkaTopic}s from the Helm chart) and the
 * service's Kafka user may not create topics, {@code fedarch.topics.provision=false} skips this.
 */
@ApplicationScoped
public class TopicBootstrap {
    private static final Logger LOG = Logger.getLogger(TopicBootstrap.class);

    /** All {@code kafka.*} settings (bootstrap servers, TLS, SASL), as the messaging channels get them. */
    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @ConfigProperty(name = "fedarch.topics.provision", defaultValue = "true")
    boolean provision;

    @ConfigProperty(name = "fedarch.topics.client-tasks.partitions", defaultValue = "8")
    int taskPartitions;

    @ConfigProperty(name = "fedarch.topics.max-message-bytes", defaultValue = "67108864")
    int maxMessageBytes;

    void createTopics(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event) {
        if (!provision) {
            LOG.info("fedarch.topics.provision=false: topics are expected to exist already");
            return;
        }
        FedarchTopicLayout.ensure(kafkaConfig, taskPartitions, maxMessageBytes);
    }
}
