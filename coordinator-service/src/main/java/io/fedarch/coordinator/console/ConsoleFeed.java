package io.fedarch.coordinator.console;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.fedarch.events.ArchitectureMask;
import io.fedarch.events.ClientUpdate;
import io.fedarch.events.DeadLetter;
import io.fedarch.events.GlobalModel;
import io.fedarch.events.JobSubmitted;
import io.fedarch.events.ModelReady;
import io.fedarch.events.PersonalizedModel;
import io.fedarch.events.SearchCompleted;
import io.fedarch.events.wire.EventCodec;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;

/**
 * The console's own Kafka consumer: a plain consumer on its own thread, apart from the coordinator's transactional
 * channels, so the console can never delay or commit for the coordinator. Its group id is unique per instance and it
 * starts from the earliest offset, so every replica sees every event and a page opened mid-job still shows the rounds
 * that closed before. It commits nothing.
 */
@ApplicationScoped
public class ConsoleFeed {
    private static final Logger LOG = Logger.getLogger(ConsoleFeed.class);
    /** Group ids start with this; the chart's Kafka ACLs allow the prefix. */
    public static final String GROUP_PREFIX = "fedarch-console-";
    static final Map<String, Class<? extends SpecificRecord>> TOPICS = Map.of(
            "fedarch.jobs", JobSubmitted.class,
            "fedarch.global-models", GlobalModel.class,
            "fedarch.client-updates", ClientUpdate.class,
            "fedarch.personalized-models", PersonalizedModel.class,
            "fedarch.architecture-masks", ArchitectureMask.class,
            "fedarch.search-completions", SearchCompleted.class,
            "fedarch.models-ready", ModelReady.class,
            "fedarch.dead-letters", DeadLetter.class);

    @Inject
    ConsoleState state;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @ConfigProperty(name = "fedarch.console.enabled", defaultValue = "true")
    boolean enabled;

    @ConfigProperty(name = "fedarch.topics.max-message-bytes", defaultValue = "67108864")
    int maxMessageBytes;

    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile boolean stopping;
    private Thread thread;

    void start(@Observes StartupEvent ignored) {
        if (!enabled) {
            LOG.info("fedarch.console.enabled=false: the console shows nothing");
            return;
        }
        Map<String, Object> config = new HashMap<>();
        // The broker address and security settings (kafka.*) the coordinator's channels use.
        kafkaConfig.forEach((k, v) -> {
            if (ConsumerConfig.configNames().contains(k) || k.startsWith("sasl.") || k.startsWith("ssl.")
                    || k.equals("security.protocol")) {
                config.put(k, v);
            }
        });
        config.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP_PREFIX + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, maxMessageBytes);
        config.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, maxMessageBytes);
        config.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, 5000); // topics other services create later join soon
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "fedarch-console");
        consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
        thread = new Thread(this::run, "fedarch-console-feed");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes ShutdownEvent ignored) {
        stopping = true;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (thread != null) {
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void run() {
        try (KafkaConsumer<String, byte[]> c = consumer) {
            c.subscribe(List.copyOf(TOPICS.keySet()));
            while (!stopping) {
                for (ConsumerRecord<String, byte[]> record : c.poll(Duration.ofMillis(500))) {
                    apply(record);
                }
            }
        } catch (WakeupException e) {
            if (!stopping) {
                LOG.error("the console's consumer was woken up unexpectedly; the console stops updating", e);
            }
        } catch (RuntimeException e) {
            LOG.error("the console's consumer failed; the console stops updating (the coordinator is unaffected)", e);
        }
    }

    private void apply(ConsumerRecord<String, byte[]> record) {
        Class<? extends SpecificRecord> type = TOPICS.get(record.topic());
        if (type == null || record.value() == null) {
            return;
        }
        Object event;
        try {
            event = EventCodec.decode(record.value(), type);
        } catch (RuntimeException e) {
            // The services dead-letter malformed input with its reason; the console shows that dead letter instead.
            LOG.debugf("console skips an undecodable record at %s-%d@%d: %s", record.topic(), record.partition(),
                    record.offset(), e.getMessage());
            return;
        }
        try {
            state.apply(event);
        } catch (RuntimeException e) {
            LOG.warnf(e, "console could not show the event at %s-%d@%d", record.topic(), record.partition(),
                    record.offset());
        }
    }
}
