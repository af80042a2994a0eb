package io.fedarch.broker;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;

/**
 * Waits until a freshly started broker serves clients: its PLAINTEXT port accepts connections and
 * a {@code describeCluster} call lists the node. A KRaft broker opens its client port only at the
 * end of its startup, so polling the port first keeps the Admin client from logging a stream of
 * connection warnings while the JVM is still booting.
 */
final class BrokerReadinessProbe {

    private static final Duration POLL_INTERVAL = Duration.ofMillis(100);
    private static final int CONNECT_TIMEOUT_MS = 500;

    private final Process process;
    private final String host;
    private final int port;

    BrokerReadinessProbe(Process process, String host, int port) {
        this.process = process;
        this.host = host;
        this.port = port;
    }

    /**
     * @throws IllegalStateException when the process exits or the timeout passes first; the
     *                               caller adds the broker log to the report
     */
    void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        awaitPortOpen(deadline, timeout);
        awaitClusterDescribed(deadline, timeout);
    }

    private void awaitPortOpen(long deadline, Duration timeout) throws InterruptedException {
        while (true) {
            failIfExited();
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MS);
                return;
            } catch (IOException notYetListening) {
                failIfPastDeadline(deadline, timeout, "port " + port + " never accepted connections");
                Thread.sleep(POLL_INTERVAL.toMillis());
            }
        }
    }

    private void awaitClusterDescribed(long deadline, Duration timeout) throws InterruptedException {
        Map<String, Object> config = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, host + ":" + port,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.CLIENT_ID_CONFIG, "fedarch-broker-readiness");
        Admin admin = Admin.create(config);
        try {
            KafkaFuture<Collection<Node>> pending = null;
            Exception lastFailure = null;
            while (true) {
                failIfExited();
                if (pending == null) {
                    pending = admin.describeCluster().nodes();
                }
                try {
                    // Short waits on one in-flight call, so a dying broker is noticed quickly.
                    Collection<Node> nodes = pending.get(POLL_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
                    pending = null;
                    if (!nodes.isEmpty()) {
                        return;
                    }
                } catch (TimeoutException stillWaiting) {
                    // Keep waiting for the same call.
                } catch (ExecutionException e) {
                    lastFailure = e;
                    pending = null;
                    Thread.sleep(POLL_INTERVAL.toMillis());
                }
                failIfPastDeadline(deadline, timeout, "describeCluster never succeeded"
                        + (lastFailure == null ? "" : " (last failure: " + lastFailure.getCause() + ")"));
            }
        } finally {
            // Do not wait for a describe call still in flight to a broker that is not answering.
            admin.close(Duration.ZERO);
        }
    }

    private void failIfExited() {
        if (!process.isAlive()) {
            throw new IllegalStateException("the broker process exited with code " + process.exitValue());
        }
    }

    private static void failIfPastDeadline(long deadline, Duration timeout, String what) {
        if (System.nanoTime() - deadline >= 0) {
            throw new IllegalStateException("not ready after " + timeout.toSeconds() + " s: " + what);
        }
    }
}
