package io.fedarch.objectstore;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * Entry point of the s3proxy child JVM (never runs in the parent).
 *
 * <p>It watches its stdin, which the parent keeps open for the child's whole life: end-of-file
 * means the parent is gone (even after a SIGKILL, where no shutdown hook of the parent runs), and
 * the server exits instead of lingering as an orphan holding its port. Then it runs s3proxy's own
 * {@code Main} with the given properties file.
 *
 * <p>The class is copied as bytes next to the s3proxy jars and started by name, so it must stay
 * self-contained: JDK types only, no nested classes, s3proxy reached through reflection.
 */
final class S3ProxyChildMain {

    private S3ProxyChildMain() {
    }

    /**
     * @param args {@code <s3proxy.properties>}
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: S3ProxyChildMain <s3proxy.properties>");
            System.exit(2);
        }
        watchParentThroughStdin();
        Method main = Class.forName("org.gaul.s3proxy.Main").getMethod("main", String[].class);
        try {
            // Main starts Jetty and returns; the server's non-daemon threads keep the JVM alive.
            main.invoke(null, (Object) new String[] {"--properties", args[0]});
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception exception) {
                throw exception;
            }
            throw (Error) cause;
        }
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
            System.out.println("fedarch: parent process gone (stdin closed), stopping s3proxy");
            System.exit(0);
        }, "fedarch-parent-watchdog");
        watcher.setDaemon(true);
        watcher.start();
    }
}
