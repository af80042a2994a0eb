package io.fedarch.broker;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.Uuid;

/**
 * A real single-node Kafka broker (KRaft, combined broker + controller) running as a child JVM,
 * listening on 127.0.0.1 only.
 *
 * <p>Layout of the work directory: {@code server.properties}, {@code broker.log} (the child's
 * stdout and stderr), {@code kafka-data/} (unless another data directory is chosen) and
 * {@code launcher/} (the child's entry class). Restarting on the same directory keeps the data.
 *
 * <pre>{@code
 * try (KafkaBrokerProcess broker = KafkaBrokerProcess.start(workDir)) {
 *     producerProps.put("bootstrap.servers", broker.bootstrapServers());
 * }
 * }</pre>
 */
public final class KafkaBrokerProcess implements AutoCloseable {

    /** Default for {@link Builder#messageMaxBytes(int)}: room for 32 MiB+ model records. */
    public static final int DEFAULT_MESSAGE_MAX_BYTES = 64 * 1024 * 1024;

    private static final System.Logger LOG = System.getLogger(KafkaBrokerProcess.class.getName());
    private static final Duration GRACEFUL_STOP_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration FORCED_STOP_TIMEOUT = Duration.ofSeconds(10);

    private final Process process;
    private final Path workDir;
    private final Path dataDir;
    private final Path logFile;
    private final int port;
    private final Thread stopOnParentExit;
    private volatile Duration startupTime = Duration.ZERO;
    private boolean closed;

    private KafkaBrokerProcess(Process process, Path workDir, Path dataDir, Path logFile, int port) {
        this.process = process;
        this.workDir = workDir;
        this.dataDir = dataDir;
        this.logFile = logFile;
        this.port = port;
        // Normal exits and SIGTERM/SIGINT of the parent; the child's stdin watchdog covers SIGKILL.
        this.stopOnParentExit = new Thread(() -> stop(process), "fedarch-broker-stop-" + process.pid());
    }

    /** Starts a broker with default settings and waits until it serves clients. */
    public static KafkaBrokerProcess start(Path workDir) {
        return builder().start(workDir);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code 127.0.0.1:<port>}, ready for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return BrokerServerProperties.HOST + ":" + port;
    }

    public int port() {
        return port;
    }

    public Path workDir() {
        return workDir;
    }

    /** Kafka's {@code log.dirs}: where partitions and the metadata log are stored. */
    public Path dataDir() {
        return dataDir;
    }

    /** The broker's combined stdout and stderr. */
    public Path logFile() {
        return logFile;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Time from launching the child JVM until the broker answered {@code describeCluster}. */
    public Duration startupTime() {
        return startupTime;
    }

    /** Blocks until the broker exits on its own or is stopped, returning its exit code. */
    public int waitForExit() throws InterruptedException {
        return process.waitFor();
    }

    /**
     * Stops the broker: SIGTERM first (Kafka shuts down cleanly in its own shutdown hook), a
     * forced kill if that takes longer than 20 s. Returns once the process is gone.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(stopOnParentExit);
        } catch (IllegalStateException shutdownInProgress) {
            // The hook is running or about to; stopping here as well is harmless.
        }
        stop(process);
    }

    private static void stop(Process process) {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(GRACEFUL_STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "Kafka broker pid {0} ignored SIGTERM for {1} s, killing it",
                        Long.toString(process.pid()), Long.toString(GRACEFUL_STOP_TIMEOUT.toSeconds()));
                process.destroyForcibly().waitFor(FORCED_STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Options of a broker; every one has a default suited to fedarch's local runs and tests. */
    public static final class Builder {

        private int port;
        private Path dataDir;
        private int messageMaxBytes = DEFAULT_MESSAGE_MAX_BYTES;
        private int heapMegabytes = 512;
        private Duration startupTimeout = Duration.ofSeconds(90);
        private boolean fastStartup = true;
        private final Map<String, String> extraBrokerProperties = new LinkedHashMap<>();
        private int saslPort;
        private final Map<String, String> saslUsers = new LinkedHashMap<>();

        private Builder() {
        }

        /**
         * Adds a SASL_PLAINTEXT listener on {@code port} (mechanism PLAIN, {@code users}: name → password)
         * and turns on ACL enforcement, as a secured production cluster has: clients of that listener get
         * exactly what ACLs grant their user. The PLAINTEXT port stays unauthenticated and a super user
         * (ANONYMOUS), for the harness that creates topics and ACLs, as an operator would.
         */
        public Builder saslPlainListener(int port, Map<String, String> users) {
            if (port <= 0 || port > 65535) {
                throw new IllegalArgumentException("SASL port out of range: " + port);
            }
            this.saslPort = port;
            this.saslUsers.putAll(users);
            return this;
        }

        /** Client (PLAINTEXT) port; 0, the default, picks a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            this.port = port;
            return this;
        }

        /** Kafka's {@code log.dirs}; defaults to {@code <workDir>/kafka-data}. */
        public Builder dataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        /**
         * Largest record batch the broker accepts ({@code message.max.bytes}); also sizes
         * {@code replica.fetch.max.bytes}, the broker's {@code fetch.max.bytes} and
         * {@code socket.request.max.bytes}. Defaults to 64 MiB.
         */
        public Builder messageMaxBytes(int messageMaxBytes) {
            if (messageMaxBytes < 1024) {
                throw new IllegalArgumentException("messageMaxBytes too small: " + messageMaxBytes);
            }
            this.messageMaxBytes = messageMaxBytes;
            return this;
        }

        /** Maximum heap of the broker JVM; 512 MiB by default. */
        public Builder heapMegabytes(int heapMegabytes) {
            if (heapMegabytes < 128) {
                throw new IllegalArgumentException("heapMegabytes too small: " + heapMegabytes);
            }
            this.heapMegabytes = heapMegabytes;
            return this;
        }

        /** How long {@link #start(Path)} waits for the broker before giving up; 90 s by default. */
        public Builder startupTimeout(Duration startupTimeout) {
            this.startupTimeout = startupTimeout;
            return this;
        }

        /**
         * Whether the broker JVM runs with the C1 JIT only ({@code -XX:TieredStopAtLevel=1}); on by
         * default. It halves the start time on a 2-core machine; switch it off for long
         * high-throughput runs.
         */
        public Builder fastStartup(boolean fastStartup) {
            this.fastStartup = fastStartup;
            return this;
        }

        /** Adds or overrides one line of {@code server.properties}. */
        public Builder brokerProperty(String key, String value) {
            extraBrokerProperties.put(key, value);
            return this;
        }

        /**
         * Launches the broker in {@code workDir} (created if needed) and returns once it serves
         * clients.
         *
         * @throws BrokerStartException when it does not get ready in time; includes the log tail
         */
        public KafkaBrokerProcess start(Path workDir) {
            Path absoluteWorkDir = workDir.toAbsolutePath();
            Path effectiveDataDir = dataDir != null ? dataDir.toAbsolutePath() : absoluteWorkDir.resolve("kafka-data");
            Path logFile = absoluteWorkDir.resolve("broker.log");
            Path propertiesFile = absoluteWorkDir.resolve("server.properties");
            List<Path> brokerJars = BrokerClasspath.jars();

            List<Integer> freePorts = FreePorts.pick(2);
            int brokerPort = port != 0 ? port : freePorts.get(0);
            int controllerPort = freePorts.get(1) != brokerPort ? freePorts.get(1) : freePorts.get(0);
            try {
                Files.createDirectories(absoluteWorkDir);
                Files.createDirectories(effectiveDataDir);
                writeServerProperties(propertiesFile, brokerPort, controllerPort, effectiveDataDir);
                Path launcherDir = installChildMain(absoluteWorkDir.resolve("launcher"));

                String clusterId = existingClusterId(effectiveDataDir).orElseGet(() -> Uuid.randomUuid().toString());
                List<String> command = childCommand(launcherDir, brokerJars, propertiesFile, clusterId);
                Files.writeString(logFile, BrokerLogExcerpt.launchMarkerLine(), StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                long launchedAt = System.nanoTime();
                Process process = new ProcessBuilder(command)
                        .directory(absoluteWorkDir.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(Redirect.appendTo(logFile.toFile()))
                        .start();
                KafkaBrokerProcess broker = new KafkaBrokerProcess(process, absoluteWorkDir, effectiveDataDir, logFile,
                        brokerPort);
                Runtime.getRuntime().addShutdownHook(broker.stopOnParentExit);
                awaitReady(broker, process, brokerPort);
                broker.startupTime = Duration.ofNanos(System.nanoTime() - launchedAt);
                LOG.log(System.Logger.Level.INFO, "Kafka broker pid {0} ready at {1} after {2} ms (log: {3})",
                        Long.toString(process.pid()), broker.bootstrapServers(),
                        Long.toString(broker.startupTime.toMillis()), logFile);
                return broker;
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot launch the Kafka broker in " + absoluteWorkDir, e);
            }
        }

        private void awaitReady(KafkaBrokerProcess broker, Process process, int brokerPort) {
            try {
                new BrokerReadinessProbe(process, BrokerServerProperties.HOST, brokerPort).awaitReady(startupTimeout);
            } catch (RuntimeException | InterruptedException e) {
                // Whatever went wrong, no half-started broker may outlive this call.
                broker.close();
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                throw new BrokerStartException("Kafka broker in " + broker.workDir + " did not start: " + e.getMessage()
                        + System.lineSeparator() + BrokerLogExcerpt.of(broker.logFile), e);
            }
        }

        private void writeServerProperties(Path file, int brokerPort, int controllerPort, Path effectiveDataDir) {
            BrokerServerProperties properties =
                    new BrokerServerProperties(brokerPort, controllerPort, effectiveDataDir, messageMaxBytes);
            Map<String, String> lines = properties.asMap();
            if (saslPort != 0) {
                lines.putAll(BrokerServerProperties.saslPlainListener(brokerPort, saslPort, controllerPort, saslUsers));
            }
            lines.putAll(extraBrokerProperties);
            BrokerServerProperties.write(lines, file);
        }

        /**
         * Copies the child's entry class out of whatever class loader holds this module (a jar,
         * a Quarkus class loader, a directory) to a plain directory the child JVM can use.
         */
        private static Path installChildMain(Path launcherDir) throws IOException {
            String classFile = BrokerChildMain.class.getSimpleName() + ".class";
            Path target = launcherDir.resolve(BrokerChildMain.class.getPackageName().replace('.', File.separatorChar))
                    .resolve(classFile);
            Files.createDirectories(target.getParent());
            try (InputStream bytes = BrokerChildMain.class.getResourceAsStream(classFile)) {
                if (bytes == null) {
                    throw new IllegalStateException("Cannot read the class file of " + BrokerChildMain.class.getName());
                }
                Files.copy(bytes, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return launcherDir;
        }

        /**
         * A data directory formatted by an earlier start must be started with its own cluster id;
         * formatting again with a new one is refused.
         */
        private static Optional<String> existingClusterId(Path dataDir) throws IOException {
            Path metaProperties = dataDir.resolve("meta.properties");
            if (!Files.isRegularFile(metaProperties)) {
                return Optional.empty();
            }
            Properties meta = new Properties();
            try (Reader in = Files.newBufferedReader(metaProperties, StandardCharsets.UTF_8)) {
                meta.load(in);
            }
            return Optional.ofNullable(meta.getProperty("cluster.id"));
        }

        private List<String> childCommand(Path launcherDir, List<Path> brokerJars, Path propertiesFile,
                                          String clusterId) {
            List<String> classpath = new ArrayList<>();
            classpath.add(launcherDir.toString());
            brokerJars.forEach(jar -> classpath.add(jar.toString()));

            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("-Xmx" + heapMegabytes + "m");
            command.add("-XX:+ExitOnOutOfMemoryError");
            if (fastStartup) {
                // C1 only: on few cores the C2 compiler threads compete with startup, which then
                // takes twice as long; a local broker never needs C2's peak throughput.
                command.add("-XX:TieredStopAtLevel=1");
            }
            command.add("-Djava.awt.headless=true");
            // slf4j-simple is configured by system properties: INFO with timestamps, minus the
            // few-hundred-line config dumps Kafka logs for every component it starts.
            command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=info");
            command.add("-Dorg.slf4j.simpleLogger.showDateTime=true");
            command.add("-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSS");
            command.add("-Dorg.slf4j.simpleLogger.logFile=System.out");
            command.add("-Dorg.slf4j.simpleLogger.log.org.apache.kafka.common.config.AbstractConfig=warn");
            command.add("-cp");
            command.add(String.join(File.pathSeparator, classpath));
            command.add(BrokerChildMain.class.getName());
            command.add(propertiesFile.toString());
            command.add(clusterId);
            return command;
        }
    }
}
