package io.fedarch.service.artifacts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import io.fedarch.broker.KafkaBrokerProcess;
import io.fedarch.broker.topics.FedarchTopicLayout;

/**
 * One real broker (a child JVM) with fedarch's standard topics for every test class that asks for a
 * {@link KafkaBrokerProcess} parameter; its work and log directories live in a temporary directory that is
 * deleted when the test run ends.
 */
public final class ArtifactTopicBroker implements ParameterResolver {
    static final int MAX_MESSAGE_BYTES = 64 << 20;
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(ArtifactTopicBroker.class);

    /** Closes the broker, then deletes its directory (JUnit closes it when the run ends). */
    record Running(KafkaBrokerProcess broker, Path workDir) implements AutoCloseable {
        @Override
        public void close() {
            broker.close();
            deleteTree(workDir);
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == KafkaBrokerProcess.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return extensionContext.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent("broker", key -> start(KafkaBrokerProcess.builder()), Running.class).broker();
    }

    /** Starts a broker in a fresh temporary directory and creates the standard topics on it. */
    static Running start(KafkaBrokerProcess.Builder builder) {
        Path workDir;
        try {
            workDir = Files.createTempDirectory("fedarch-artifacts-broker-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        KafkaBrokerProcess broker = builder.start(workDir);
        FedarchTopicLayout.ensure(broker.bootstrapServers(), 3, MAX_MESSAGE_BYTES);
        return new Running(broker, workDir);
    }

    static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }
}
