package io.fedarch.broker;

import java.nio.file.Path;

/**
 * Runs a local broker for humans: {@code LocalBrokerMain <work-dir> [port]}. Prints the bootstrap
 * address and keeps running until killed (Ctrl-C stops the broker cleanly). Data survives
 * restarts on the same work directory.
 */
public final class LocalBrokerMain {

    private LocalBrokerMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: LocalBrokerMain <work-dir> [port, default 9092, 0 = any free port]");
            System.exit(2);
        }
        Path workDir = Path.of(args[0]);
        int port = args.length == 2 ? Integer.parseInt(args[1]) : 9092;

        // close() is also registered as a JVM shutdown hook, so Ctrl-C / SIGTERM stop the broker.
        KafkaBrokerProcess broker = KafkaBrokerProcess.builder().port(port).start(workDir);
        System.out.println("Kafka broker ready after " + broker.startupTime().toMillis() + " ms");
        System.out.println("bootstrap.servers=" + broker.bootstrapServers());
        System.out.println("log: " + broker.logFile());
        System.out.flush();
        int exitCode = broker.waitForExit();
        System.err.println("Kafka broker exited with code " + exitCode + "; see " + broker.logFile());
        System.exit(exitCode == 0 ? 0 : 1);
    }
}
