package io.fedarch.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fedarch.broker.topics.TopicProvisioner;
import io.fedarch.broker.topics.TopicSettings;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

/** Start, stop, restart and orphan protection of a broker process, each on its own broker. */
class KafkaBrokerLifecycleTest {

    @Test
    void startsOnLoopbackAndStopsCompletelyOnClose() throws Exception {
        Path workDir = SharedBrokerExtension.newWorkDir("lifecycle-");
        long pid;
        int port;
        long closeStart;
        try (KafkaBrokerProcess broker = KafkaBrokerProcess.start(workDir)) {
            pid = broker.pid();
            port = broker.port();
            System.out.printf("broker start (JVM launch + format + ready): %d ms%n", broker.startupTime().toMillis());
            assertEquals("127.0.0.1:" + port, broker.bootstrapServers());
            assertTrue(broker.isAlive());
            assertTrue(Files.isRegularFile(broker.dataDir().resolve("meta.properties")), "storage was not formatted");

            Properties written = new Properties();
            try (var in = Files.newBufferedReader(workDir.resolve("server.properties"))) {
                written.load(in);
            }
            assertEquals("broker,controller", written.getProperty("process.roles"));
            assertEquals("false", written.getProperty("auto.create.topics.enable"));
            assertEquals(Integer.toString(KafkaBrokerProcess.DEFAULT_MESSAGE_MAX_BYTES), written.getProperty("message.max.bytes"));
            closeStart = System.nanoTime();
        }
        System.out.printf("broker close: %d ms%n", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closeStart));
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false), "broker process survived close()");
        assertFalse(accepts(port), "port " + port + " still open after close()");
        assertTrue(Files.readString(workDir.resolve("broker.log")).contains("Kafka Server started"));
    }

    @Test
    void reportsTheBrokerLogWhenItCannotStart() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            BrokerStartException error = assertThrows(BrokerStartException.class, () -> KafkaBrokerProcess.builder()
                    .port(taken.getLocalPort())
                    .startupTimeout(Duration.ofSeconds(60))
                    .start(SharedBrokerExtension.newWorkDir("port-taken-")));
            assertTrue(error.getMessage().contains("exited with code"), error.getMessage());
            assertTrue(error.getMessage().contains("Address already in use"), error.getMessage());
        }
    }

    /**
     * The launcher main runs in its own JVM and is killed with SIGKILL, so no shutdown hook can
     * run in it: the broker must notice the closed stdin pipe and stop by itself. The launcher
     * also reuses a work directory, which must keep earlier topics.
     */
    @Test
    void restartKeepsDataAndBrokerDiesWithKilledParent() throws Exception {
        Path workDir = SharedBrokerExtension.newWorkDir("restart-");
        try (KafkaBrokerProcess broker = KafkaBrokerProcess.start(workDir);
             Admin admin = admin(broker.bootstrapServers())) {
            TopicProvisioner.ensureTopics(admin, Map.of("survives-restart", TopicSettings.partitions(2)));
        }

        Process launcher = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"),
                LocalBrokerMain.class.getName(), workDir.toString(), "0")
                .redirectErrorStream(true)
                .start();
        try {
            String bootstrap = awaitBootstrapLine(launcher);
            try (Admin admin = admin(bootstrap)) {
                Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
                assertTrue(topics.contains("survives-restart"), "topics after restart: " + topics);
            }
            ProcessHandle brokerChild = launcher.toHandle().children().findFirst()
                    .orElseThrow(() -> new AssertionError("launcher has no broker child"));

            launcher.destroyForcibly().waitFor(10, TimeUnit.SECONDS);

            Optional<ProcessHandle> stillThere = brokerChild.onExit()
                    .completeOnTimeout(brokerChild, 30, TimeUnit.SECONDS).get().isAlive()
                    ? Optional.of(brokerChild) : Optional.empty();
            stillThere.ifPresent(ProcessHandle::destroyForcibly);
            assertTrue(stillThere.isEmpty(), "broker outlived its SIGKILLed parent");
        } finally {
            launcher.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            launcher.destroyForcibly();
        }
    }

    private static String awaitBootstrapLine(Process launcher) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(launcher.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        for (String line; (line = out.readLine()) != null; ) {
            seen.append(line).append('\n');
            if (line.startsWith("bootstrap.servers=")) {
                return line.substring("bootstrap.servers=".length());
            }
        }
        throw new AssertionError("launcher ended without printing the bootstrap address:\n" + seen);
    }

    private static Admin admin(String bootstrap) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap));
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 500);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }
}
