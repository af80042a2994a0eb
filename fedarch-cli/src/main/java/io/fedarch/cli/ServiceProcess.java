package io.fedarch.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One fedarch service (a packaged Quarkus app) running as a child process, with its log in a
 * file. Both its listeners, the HTTP port (the coordinator's REST API) and the management port
 * (health, metrics), are bound to 127.0.0.1: a local stack is for this machine only. Readiness is the
 * service's own /q/health/ready on the management port answering UP, which includes its Kafka
 * channels being connected.
 */
public final class ServiceProcess implements AutoCloseable {
    private static final String LOOPBACK = "127.0.0.1";
    private final String name;
    private final Process process;
    private final int httpPort;
    private final int managementPort;
    private final Path logFile;
    private final List<String> command;
    private final Map<String, String> environment;

    private ServiceProcess(String name, Process process, int httpPort, int managementPort, Path logFile,
                           List<String> command, Map<String, String> environment) {
        this.name = name;
        this.process = process;
        this.httpPort = httpPort;
        this.managementPort = managementPort;
        this.logFile = logFile;
        this.command = command;
        this.environment = environment;
    }

    /**
     * @param app            the service's {@code target/quarkus-app} directory
     * @param httpPort       its HTTP port (the coordinator's REST API)
     * @param managementPort its management port (health and metrics)
     * @param properties     Quarkus configuration, passed as system properties (visible to every local user
     *                       in the process list: secrets go in {@code environment})
     */
    public static ServiceProcess start(String name, Path app, int httpPort, int managementPort, int heapMegabytes,
                                       Map<String, String> properties, Map<String, String> environment,
                                       Path logFile) {
        Path jar = app.resolve("quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(name + " is not built: " + jar + " is missing (run: mvn -DskipTests install)");
        }
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + heapMegabytes + "m");
        command.add("-Dquarkus.http.host=" + LOOPBACK);
        command.add("-Dquarkus.http.port=" + httpPort);
        command.add("-Dquarkus.management.host=" + LOOPBACK);
        command.add("-Dquarkus.management.port=" + managementPort);
        properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add("-jar");
        command.add(jar.toString());
        try {
            Files.createDirectories(logFile.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + logFile.getParent(), e);
        }
        return launch(name, httpPort, managementPort, logFile, List.copyOf(command), Map.copyOf(environment));
    }

    /** Appends to the log, so a restarted service's log continues the killed one's. */
    private static ServiceProcess launch(String name, int httpPort, int managementPort, Path logFile,
                                         List<String> command, Map<String, String> environment) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
            builder.environment().putAll(environment);
            return new ServiceProcess(name, builder.start(), httpPort, managementPort, logFile, command, environment);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
    }

    /** Kills the process without warning (SIGKILL, as {@code kill -9}): no shutdown hook, no leaving its consumer group. */
    public void kill() {
        try {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Starts the same service again, with the same configuration, port and log; the old process must be gone. */
    public ServiceProcess restart() {
        if (process.isAlive()) {
            throw new IllegalStateException(name + " is still running");
        }
        return launch(name, httpPort, managementPort, logFile, command, environment);
    }

    /**
     * Starts the stopped service again with {@code extra} system properties added (or replaced),
     * e.g. a test-only fault-injection switch; an empty map starts it as first configured.
     */
    public ServiceProcess restartWith(Map<String, String> extra) {
        if (process.isAlive()) {
            throw new IllegalStateException(name + " is still running");
        }
        return launch(name, httpPort, managementPort, logFile, withProperties(command, extra), environment);
    }

    /** A second instance of this service on other ports, logging to {@code log} (two coordinators at once, say). */
    public ServiceProcess startCopy(String copyName, int copyHttpPort, int copyManagementPort, Path log) {
        return launch(copyName, copyHttpPort, copyManagementPort, log, withProperties(command, Map.of(
                "quarkus.http.port", Integer.toString(copyHttpPort),
                "quarkus.management.port", Integer.toString(copyManagementPort))), environment);
    }

    /** The command with {@code -Dkey=value} for each property, replacing earlier values of the same keys. */
    private static List<String> withProperties(List<String> command, Map<String, String> properties) {
        List<String> out = new ArrayList<>();
        for (String argument : command) {
            boolean replaced = properties.keySet().stream().anyMatch(k -> argument.startsWith("-D" + k + "="));
            if (argument.equals("-jar")) {
                properties.forEach((k, v) -> out.add("-D" + k + "=" + v));
            }
            if (!replaced) {
                out.add(argument);
            }
        }
        return List.copyOf(out);
    }

    public String name() {
        return name;
    }

    public Path logFile() {
        return logFile;
    }

    public int httpPort() {
        return httpPort;
    }

    public int managementPort() {
        return managementPort;
    }

    /** The process id (for {@code jcmd} and the like). */
    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public void awaitReady(Duration timeout) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://" + LOOPBACK + ":" + managementPort + "/q/health/ready"))
                .timeout(Duration.ofSeconds(5)).GET().build();
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with code " + process.exitValue()
                        + " during start-up; see " + logFile + ":\n" + tail());
            }
            try {
                HttpResponse<String> response = http.send(ready, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
                last = "HTTP " + response.statusCode() + " " + response.body();
            } catch (IOException e) {
                last = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for " + name, e);
            }
            sleep(250);
        }
        throw new IllegalStateException(name + " not ready after " + timeout.toSeconds() + " s (" + last + "); see "
                + logFile + ":\n" + tail());
    }

    /** Asks for a graceful shutdown (SIGTERM: Quarkus closes its Kafka clients), then insists. */
    @Override
    public void close() {
        close(Duration.ofSeconds(20));
    }

    /**
     * SIGTERM, then SIGKILL once {@code grace} has passed.
     *
     * @return whether the process exited by itself within {@code grace} (true if it was not running)
     */
    public boolean close(Duration grace) {
        if (!process.isAlive()) {
            return true;
        }
        process.destroy();
        try {
            if (process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                return true;
            }
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        return false;
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(logFile);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
