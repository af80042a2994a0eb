package io.fedarch.core.strategy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.stream.Stream;

/**
 * Strategies from outside the build: every jar in the directories of {@value #PROPERTY} (system
 * property) or {@value #ENVIRONMENT} (environment variable), path-separated, whose
 * {@code META-INF/services/io.fedarch.core.strategy.Strategy} names them. Every service reads the
 * same path, so an algorithm is added to a deployment by dropping one jar beside each service —
 * no service changes, no rebuilt images. Loaded once per JVM.
 */
final class StrategyPlugins {
    static final String PROPERTY = "fedarch.strategy.path";
    static final String ENVIRONMENT = "FEDARCH_STRATEGY_PATH";

    private static List<Strategy> loaded;

    private StrategyPlugins() {
    }

    static synchronized List<Strategy> load() {
        if (loaded == null) {
            String path = System.getProperty(PROPERTY, System.getenv(ENVIRONMENT));
            loaded = path == null || path.isBlank() ? List.of() : load(path);
        }
        return loaded;
    }

    private static List<Strategy> load(String path) {
        List<URL> jars = new ArrayList<>();
        for (String entry : path.split(java.io.File.pathSeparator)) {
            if (entry.isBlank()) {
                continue;
            }
            Path dir = Path.of(entry.trim());
            if (!Files.isDirectory(dir)) {
                throw new IllegalStateException(PROPERTY + " names " + dir + ", which is not a directory");
            }
            try (Stream<Path> files = Files.list(dir)) {
                for (Path jar : files.filter(f -> f.toString().endsWith(".jar")).sorted().toList()) {
                    jars.add(jar.toUri().toURL());
                }
            } catch (MalformedURLException e) {
                throw new IllegalStateException(e);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list strategy jars in " + dir, e);
            }
        }
        // The plugins see the platform's classes (Strategy, DJL, the schemas) through this class's own loader.
        ClassLoader loader = new URLClassLoader(jars.toArray(URL[]::new), StrategyPlugins.class.getClassLoader());
        List<Strategy> strategies = new ArrayList<>();
        ServiceLoader.load(Strategy.class, loader).forEach(strategies::add);
        return List.copyOf(strategies);
    }
}
