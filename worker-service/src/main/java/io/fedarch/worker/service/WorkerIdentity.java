package io.fedarch.worker.service;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;

/** A default worker id that tells instances apart in logs and updates: host name and process id. */
final class WorkerIdentity {
    private WorkerIdentity() {
    }

    static String describe() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            host = "worker";
        }
        return host + "-" + ManagementFactory.getRuntimeMXBean().getPid();
    }
}
