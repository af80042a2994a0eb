package io.fedarch.broker;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Quarkus test resource: a real Kafka broker in a fresh temporary directory for the tests of one
 * Quarkus application start. Use {@code @WithTestResource(KafkaBrokerTestResource.class)} (or the
 * older {@code @QuarkusTestResource}) on a {@code @QuarkusTest} class.
 *
 * <p>Sets {@value #KAFKA_BOOTSTRAP_SERVERS} and {@value #SMALLRYE_KAFKA_BOOTSTRAP_SERVERS} to the
 * broker, and turns Kafka Dev Services off (they would need Docker).
 */
public final class KafkaBrokerTestResource implements QuarkusTestResourceLifecycleManager {

    public static final String KAFKA_BOOTSTRAP_SERVERS = "kafka.bootstrap.servers";
    public static final String SMALLRYE_KAFKA_BOOTSTRAP_SERVERS = "mp.messaging.connector.smallrye-kafka.bootstrap.servers";
    public static final String KAFKA_DEV_SERVICES_ENABLED = "quarkus.kafka.devservices.enabled";

    private Path workDir;
    private KafkaBrokerProcess broker;

    @Override
    public Map<String, String> start() {
        try {
            workDir = Files.createTempDirectory("fedarch-kafka-");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a work directory for the test broker", e);
        }
        broker = KafkaBrokerProcess.start(workDir);
        return Map.of(
                KAFKA_BOOTSTRAP_SERVERS, broker.bootstrapServers(),
                SMALLRYE_KAFKA_BOOTSTRAP_SERVERS, broker.bootstrapServers(),
                KAFKA_DEV_SERVICES_ENABLED, "false");
    }

    @Override
    public void stop() {
        if (broker != null) {
            broker.close();
            broker = null;
        }
        if (workDir != null) {
            deleteRecursively(workDir);
            workDir = null;
        }
    }

    private static void deleteRecursively(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete the test broker directory " + root, e);
        }
    }
}
