package io.fedarch.service;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.fedarch.broker.topics.FedarchTopicLayout;
import io.quarkus.runtime.StartupEvent;

/**
 * Creates the fedarch topics that are missing (and raises too-low message limits) before the
 * messaging channels connect, so any service can be the first to start on an empty cluster.
 */
@ApplicationScoped
public class TopicBootstrap {
    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @ConfigProperty(name = "fedarch.topics.client-tasks.partitions", defaultValue = "8")
    int taskPartitions;

    @ConfigProperty(name = "fedarch.topics.max-message-bytes", defaultValue = "67108864")
    int maxMessageBytes;

    void createTopics(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event) {
        FedarchTopicLayout.ensure(bootstrapServers, taskPartitions, maxMessageBytes);
    }
}
