package io.fedarch.objectstore;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A real S3-compatible server (s3proxy on jclouds' filesystem blob store) running as a child JVM on
 * a free port of 127.0.0.1, with one fixed key pair ({@link #ACCESS_KEY_ID}, {@link #SECRET_ACCESS_KEY}).
 * Use it with path-style addressing and any region.
 *
 * <p>Layout of the work directory: {@code s3proxy.properties}, {@code s3proxy.log} (the child's
 * stdout and stderr), {@code data/} (one directory per bucket, one file per object) and
 * {@code launcher/} (the child's entry class). Restarting on the same directory keeps the objects.
 *
 * <pre>{@code
 * try (S3ProxyProcess store = S3ProxyProcess.start(workDir)) {
 *     store.createBucket("models");
 *     s3Client.endpointOverride(store.endpoint());
 * }
 * }</pre>
 */
public final class S3ProxyProcess implements AutoCloseable {

    /** The access key id every client of a local object store uses. */
    public static final String ACCESS_KEY_ID = "fedarch-local";
    /** Its secret; local and test use only, never a real credential. */
    public static final String SECRET_ACCESS_KEY = "fedarch-local-secret";

    private static final System.Logger LOG = System.getLogger(S3ProxyProcess.class.getName());
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);
    private static final Duration GRACEFUL_STOP_TIMEOUT = Duration.ofSeconds(10);
    /** S3 bucket naming rules, the subset every S3 server accepts. */
    private static final Pattern BUCKET_NAME = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

    private final Process process;
    private final Path workDir;
    private final Path dataDir;
    private final Path logFile;
    private final int port;
    private final Thread stopOnParentExit;
    private boolean closed;

    private S3ProxyProcess(Process process, Path workDir, Path dataDir, Path logFile, int port) {
        this.process = process;
        this.workDir = workDir;
        this.dataDir = dataDir;
        this.logFile = logFile;
        this.port = port;
        this.stopOnParentExit = new Thread(() -> stop(process), "fedarch-s3proxy-stop-" + process.pid());
    }

    /**
     * Launches s3proxy in {@code workDir} (created if needed) and returns once it answers HTTP.
     *
     * @throws ObjectStoreStartException when it does not get ready in time; includes the log tail
     */
    public static S3ProxyProcess start(Path workDir) {
        Path absoluteWorkDir = workDir.toAbsolutePath();
        Path dataDir = absoluteWorkDir.resolve("data");
        Path logFile = absoluteWorkDir.resolve("s3proxy.log");
        Path propertiesFile = absoluteWorkDir.resolve("s3proxy.properties");
        List<Path> jars = S3ProxyClasspath.jars();
        int port = freeLoopbackPort();
        try {
            Files.createDirectories(dataDir);
            S3ProxyProperties.write(S3ProxyProperties.of(port, dataDir, ACCESS_KEY_ID, SECRET_ACCESS_KEY),
                    propertiesFile);
            Path launcherDir = installChildMain(absoluteWorkDir.resolve("launcher"));
            Files.writeString(logFile, "==== fedarch-local-object-store: launching s3proxy at " + java.time.Instant.now()
                    + " ====" + System.lineSeparator(), StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            Process process = new ProcessBuilder(childCommand(launcherDir, jars, propertiesFile))
                    .directory(absoluteWorkDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(Redirect.appendTo(logFile.toFile()))
                    .start();
            S3ProxyProcess server = new S3ProxyProcess(process, absoluteWorkDir, dataDir, logFile, port);
            Runtime.getRuntime().addShutdownHook(server.stopOnParentExit);
            long launchedAt = System.nanoTime();
            server.awaitReady();
            LOG.log(System.Logger.Level.INFO, "s3proxy pid {0} ready at {1} after {2} ms (log: {3})",
                    Long.toString(process.pid()), server.endpoint(),
                    Long.toString((System.nanoTime() - launchedAt) / 1_000_000), logFile);
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot launch s3proxy in " + absoluteWorkDir, e);
        }
    }

    /** {@code http://127.0.0.1:<port>}, for a client's endpoint override. */
    public URI endpoint() {
        return URI.create("http://" + S3ProxyProperties.HOST + ":" + port);
    }

    public int port() {
        return port;
    }

    public Path workDir() {
        return workDir;
    }

    /** Where the objects are: {@code <dataDir>/<bucket>/<key>}. */
    public Path dataDir() {
        return dataDir;
    }

    public Path logFile() {
        return logFile;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Creates a bucket (idempotent). The filesystem blob store's bucket is a directory, so this needs
     * no signed request and works before any client is configured.
     */
    public void createBucket(String name) {
        if (name == null || !BUCKET_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not an S3 bucket name (3-63 of a-z 0-9 . -): " + name);
        }
        try {
            Files.createDirectories(dataDir.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create bucket " + name + " in " + dataDir, e);
        }
    }

    /** Stops the server: SIGTERM, a forced kill after 10 s. Returns once the process is gone. */
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
                process.destroyForcibly().waitFor(GRACEFUL_STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Any HTTP answer on the endpoint (an unsigned request gets 403) means Jetty and s3proxy are up. */
    private void awaitReady() {
        long deadline = System.nanoTime() + STARTUP_TIMEOUT.toNanos();
        String lastFailure = "no attempt yet";
        try {
            while (System.nanoTime() - deadline < 0) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("the s3proxy process exited with code " + process.exitValue());
                }
                try {
                    HttpURLConnection connection = (HttpURLConnection) endpoint().toURL().openConnection();
                    connection.setConnectTimeout(500);
                    connection.setReadTimeout(2_000);
                    int status = connection.getResponseCode();
                    connection.disconnect();
                    if (status > 0) {
                        return;
                    }
                } catch (IOException notYetListening) {
                    lastFailure = notYetListening.toString();
                }
                Thread.sleep(POLL_INTERVAL.toMillis());
            }
            throw new IllegalStateException("not ready after " + STARTUP_TIMEOUT.toSeconds() + " s: " + lastFailure);
        } catch (RuntimeException | InterruptedException e) {
            // Whatever went wrong, no half-started server may outlive this call.
            close();
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            throw new ObjectStoreStartException("s3proxy in " + workDir + " did not start: " + e.getMessage()
                    + System.lineSeparator() + logTail(), e);
        }
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return "--- last lines of " + logFile + " ---" + System.lineSeparator()
                    + String.join(System.lineSeparator(), lines.subList(Math.max(0, lines.size() - 40), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + logFile + ": " + e + ")";
        }
    }

    private static int freeLoopbackPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByAddress(new byte[] {127, 0, 0, 1}))) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot find a free port on 127.0.0.1", e);
        }
    }

    /** Copies the child's entry class to a plain directory, whatever class loader holds this module. */
    private static Path installChildMain(Path launcherDir) throws IOException {
        String classFile = S3ProxyChildMain.class.getSimpleName() + ".class";
        Path target = launcherDir.resolve(S3ProxyChildMain.class.getPackageName().replace('.', File.separatorChar))
                .resolve(classFile);
        Files.createDirectories(target.getParent());
        try (InputStream bytes = S3ProxyChildMain.class.getResourceAsStream(classFile)) {
            if (bytes == null) {
                throw new IllegalStateException("Cannot read the class file of " + S3ProxyChildMain.class.getName());
            }
            Files.copy(bytes, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return launcherDir;
    }

    private static List<String> childCommand(Path launcherDir, List<Path> jars, Path propertiesFile) {
        List<String> classpath = new ArrayList<>();
        classpath.add(launcherDir.toString());
        jars.forEach(jar -> classpath.add(jar.toString()));
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx256m");
        command.add("-XX:+ExitOnOutOfMemoryError");
        // C1 only: a local object store never needs C2's peak throughput, and starts faster on few cores.
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-Djava.awt.headless=true");
        command.add("-cp");
        command.add(String.join(File.pathSeparator, classpath));
        command.add(S3ProxyChildMain.class.getName());
        command.add(propertiesFile.toString());
        return command;
    }
}
