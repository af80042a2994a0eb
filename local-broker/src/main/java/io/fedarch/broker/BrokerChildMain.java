package io.fedarch.broker;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * Entry point of the broker child JVM (never runs in the parent).
 *
 * <p>It formats the KRaft storage and then runs {@code kafka.Kafka} in the same JVM, which saves
 * a second JVM start. It also watches its stdin: the parent keeps that pipe open for the child's
 * whole life, so end-of-file means the parent is gone (even after a SIGKILL, where no shutdown
 * hook of the parent runs) and the broker exits instead of lingering as an orphan.
 *
 * <p>The class is copied as bytes next to the broker jars and started by name, so it must stay
 * self-contained: JDK types only, no nested classes, Kafka reached through reflection. The java
 * launcher accepts a package-private main class, which keeps this out of the public API.
 */
final class BrokerChildMain {

    private BrokerChildMain() {
    }

    /**
     * @param args {@code <server.properties> <cluster id>}
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: BrokerChildMain <server.properties> <cluster-id>");
            System.exit(2);
        }
        String serverProperties = args[0];
        String clusterId = args[1];

        watchParentThroughStdin();
        formatStorage(serverProperties, clusterId);
        invokeStatic("kafka.Kafka", "main", new Class<?>[] {String[].class},
                (Object) new String[] {serverProperties});
    }

    private static void watchParentThroughStdin() {
        Thread watcher = new Thread(() -> {
            InputStream stdin = System.in;
            try {
                while (stdin.read() != -1) {
                    // The parent never writes; any byte is ignored.
                }
            } catch (IOException brokenPipe) {
                // A broken pipe means the same as end-of-file: the parent is gone.
            }
            System.out.println("fedarch: parent process gone (stdin closed), shutting the broker down");
            // System.exit runs Kafka's own shutdown hook, so the broker still stops cleanly.
            System.exit(0);
        }, "fedarch-parent-watchdog");
        watcher.setDaemon(true);
        watcher.start();
    }

    /** {@code --ignore-formatted} makes restarts on an existing work directory keep their data. */
    private static void formatStorage(String serverProperties, String clusterId) throws Exception {
        String[] formatArgs = {"format", "--ignore-formatted", "--cluster-id", clusterId, "--config", serverProperties};
        Object exitCode = invokeStatic("kafka.tools.StorageTool", "execute",
                new Class<?>[] {String[].class, PrintStream.class}, formatArgs, System.out);
        if (!Integer.valueOf(0).equals(exitCode)) {
            System.err.println("fedarch: storage format failed with exit code " + exitCode);
            System.exit(3);
        }
    }

    private static Object invokeStatic(String className, String methodName, Class<?>[] parameterTypes,
                                       Object... arguments) throws Exception {
        Method method = Class.forName(className).getMethod(methodName, parameterTypes);
        try {
            return method.invoke(null, arguments);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception exception) {
                throw exception;
            }
            throw (Error) cause;
        }
    }
}
