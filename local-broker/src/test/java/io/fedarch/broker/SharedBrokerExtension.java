package io.fedarch.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Supplies one real broker to every test class that asks for a {@link KafkaBrokerProcess}
 * parameter, started on first use and closed when the whole test run ends (the root store
 * closes {@link AutoCloseable} values). Its work directory stays under
 * {@code target/test-brokers/} so broker.log can be read after a failure.
 */
public final class SharedBrokerExtension implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedBrokerExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return parameterContext.getParameter().getType() == KafkaBrokerProcess.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext) {
        return extensionContext.getRoot().getStore(NAMESPACE)
                .computeIfAbsent("broker", key -> KafkaBrokerProcess.start(newWorkDir("shared-")), KafkaBrokerProcess.class);
    }

    public static Path newWorkDir(String prefix) {
        try {
            Path parent = Files.createDirectories(Path.of("target", "test-brokers"));
            return Files.createTempDirectory(parent, prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
