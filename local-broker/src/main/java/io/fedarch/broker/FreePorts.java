package io.fedarch.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** Finds currently unused TCP ports on the loopback interface (for the broker and for local service processes). */
public final class FreePorts {

    /** The broker listens on IPv4 loopback only, so that is where ports must be free. */
    private static final InetAddress LOOPBACK = loopbackIpv4();

    private FreePorts() {
    }

    /**
     * Returns {@code count} distinct free ports. All sockets are held open until every port is
     * known, so the ports differ from each other; another process may still take one before the
     * broker binds it, which then surfaces as a bind error in the broker log.
     */
    public static List<Integer> pick(int count) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            List<Integer> ports = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket(0, 1, LOOPBACK);
                sockets.add(socket);
                ports.add(socket.getLocalPort());
            }
            return ports;
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot find a free port on 127.0.0.1", e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // Closing a never-accepting socket cannot leave anything behind worth reporting.
                }
            }
        }
    }

    /** One free port on 127.0.0.1. */
    public static int one() {
        return pick(1).get(0);
    }

    private static InetAddress loopbackIpv4() {
        try {
            return InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
        } catch (java.net.UnknownHostException impossible) {
            throw new IllegalStateException(impossible);
        }
    }
}
