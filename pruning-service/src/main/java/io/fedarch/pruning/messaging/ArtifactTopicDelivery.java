package io.fedarch.pruning.messaging;

import java.util.List;
import java.util.Map;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.fedarch.events.ModelScope;
import io.fedarch.pruning.store.StagedFile;
import io.fedarch.service.artifacts.ArtifactChunkPublisher;
import io.fedarch.service.artifacts.ArtifactFile;
import io.fedarch.service.artifacts.DeliveredModel;
import io.fedarch.service.artifacts.PublishedArtifact;
import io.smallrye.common.annotation.Identifier;

/**
 * Kafka-only delivery: every delivered model's files also go to the compacted topic
 * fedarch.artifact-chunks in chunks, for consumers that reach nothing but the broker
 * (examples/clients/fetch_model.py). Sent and acknowledged before the ModelReady, which names the
 * chunks' deliveryId as its eventId. Off with {@code fedarch.export.artifact-topic.enabled=false}.
 */
@ApplicationScoped
public class ArtifactTopicDelivery {
    private static final Logger LOG = Logger.getLogger(ArtifactTopicDelivery.class);

    /** The messaging channels' Kafka settings (bootstrap servers, TLS, SASL). */
    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @ConfigProperty(name = "fedarch.export.artifact-topic.enabled", defaultValue = "true")
    boolean enabled;

    /** Data bytes per chunk; the topic's max.message.bytes must hold it plus 64 KiB. */
    @ConfigProperty(name = "fedarch.export.artifact-topic.chunk-bytes", defaultValue = "4194304")
    int chunkBytes;

    private ArtifactChunkPublisher publisher;

    /**
     * Publishes the delivery's files and waits for every chunk's acknowledgement.
     *
     * @return per file its size, SHA-256 and chunk count, or an empty list when the topic delivery is off
     */
    public synchronized List<PublishedArtifact> publish(String jobId, String deliveryId, ModelScope scope,
                                                        Integer clientId, Long macsBudget, List<StagedFile> files) {
        if (!enabled) {
            return List.of();
        }
        if (publisher == null) {
            publisher = new ArtifactChunkPublisher(kafkaConfig, chunkBytes);
        }
        long start = System.nanoTime();
        List<PublishedArtifact> published = publisher.publish(
                new DeliveredModel(jobId, deliveryId, scope, clientId, macsBudget),
                files.stream().map(f -> new ArtifactFile(f.local(), f.name(), f.mediaType())).toList());
        LOG.debugf("job %s delivery %s: %d files on the artifacts topic in %d ms", jobId, deliveryId, published.size(),
                (System.nanoTime() - start) / 1_000_000);
        return published;
    }

    @PreDestroy
    synchronized void close() {
        if (publisher != null) {
            publisher.close();
        }
    }
}
