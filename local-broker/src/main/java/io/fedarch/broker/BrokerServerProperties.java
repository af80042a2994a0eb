package io.fedarch.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code server.properties} of a single-node, combined-mode (broker + controller) KRaft broker
 * bound to 127.0.0.1.
 *
 * @param brokerPort       PLAINTEXT port clients connect to
 * @param controllerPort   port of the KRaft controller listener
 * @param dataDir          Kafka's {@code log.dirs}: partition data and the metadata log
 * @param messageMaxBytes  largest record batch the broker accepts
 */
record BrokerServerProperties(int brokerPort, int controllerPort, Path dataDir, int messageMaxBytes) {

    static final String HOST = "127.0.0.1";

    /** Kafka's default socket request limit; only raised, never lowered. */
    private static final long DEFAULT_SOCKET_REQUEST_MAX_BYTES = 100L * 1024 * 1024;

    Map<String, String> asMap() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        // A static voter set (not controller.quorum.bootstrap.servers + --standalone) keeps the
        // controller address out of the formatted metadata, so restarts may pick new ports.
        p.put("controller.quorum.voters", "1@" + HOST + ":" + controllerPort);
        p.put("listeners", "PLAINTEXT://" + HOST + ":" + brokerPort + ",CONTROLLER://" + HOST + ":" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + brokerPort);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", dataDir.toAbsolutePath().toString());

        // One node: every internal topic must live with a single replica.
        p.put("offsets.topic.replication.factor", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        // Few internal partitions: the first consumer group / transaction starts much faster.
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.num.partitions", "1");
        p.put("share.coordinator.state.topic.num.partitions", "1");

        // Local runs and tests want the first rebalance now, not after the default 3 s.
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("num.partitions", "1");
        // fedarch creates every topic explicitly with its partitions and size limits.
        p.put("auto.create.topics.enable", "false");

        // Model weights travel as single records of 32 MiB and more.
        p.put("message.max.bytes", Integer.toString(messageMaxBytes));
        p.put("replica.fetch.max.bytes", Integer.toString(messageMaxBytes));
        p.put("fetch.max.bytes", Integer.toString(messageMaxBytes));
        long socketRequestMaxBytes = Math.max(DEFAULT_SOCKET_REQUEST_MAX_BYTES, 2L * messageMaxBytes);
        p.put("socket.request.max.bytes", Long.toString(Math.min(Integer.MAX_VALUE, socketRequestMaxBytes)));
        return p;
    }

    /**
     * Overrides of {@link #asMap()} that add a SASL_PLAINTEXT listener (mechanism PLAIN, {@code users}:
     * name → password) and ACL enforcement; PLAINTEXT clients stay anonymous super users.
     */
    static Map<String, String> saslPlainListener(int brokerPort, int saslPort, int controllerPort,
                                                 Map<String, String> users) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("listeners", "PLAINTEXT://" + HOST + ":" + brokerPort + ",SASL_PLAINTEXT://" + HOST + ":" + saslPort
                + ",CONTROLLER://" + HOST + ":" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + brokerPort + ",SASL_PLAINTEXT://" + HOST + ":" + saslPort);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("sasl.enabled.mechanisms", "PLAIN");
        StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required");
        users.forEach((user, password) -> jaas.append(" user_").append(user).append("=\"").append(password).append('"'));
        p.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", jaas.append(';').toString());
        p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        p.put("super.users", "User:ANONYMOUS");
        return p;
    }

    /** Writes {@code properties} (typically {@link #asMap()} plus overrides) as a properties file. */
    static void write(Map<String, String> properties, Path file) {
        try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            out.write("# Written by fedarch-local-broker; regenerated on every start.\n");
            for (Map.Entry<String, String> entry : properties.entrySet()) {
                // Windows paths need their backslashes escaped in a properties file.
                out.write(entry.getKey() + "=" + entry.getValue().replace("\\", "\\\\") + "\n");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file, e);
        }
    }
}
