package io.fedarch.cli;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/** The Python 3 that runs the Python client package (clients/python): Debian's, with its Avro, Kafka and YAML modules. */
final class DebianPython {
    private DebianPython() {
    }

    /** The first python3 with python3-avro, python3-confluent-kafka and python3-yaml (./fedarch test installs them). */
    static String withTheClientsModules() throws InterruptedException {
        for (String candidate : List.of("/usr/bin/python3", "python3")) {
            try {
                Process probe = new ProcessBuilder(candidate, "-c", "import avro.schema, confluent_kafka, yaml")
                        .redirectErrorStream(true).start();
                if (probe.waitFor(60, TimeUnit.SECONDS) && probe.exitValue() == 0) {
                    return candidate;
                }
            } catch (IOException notThere) {
                // Try the next one.
            }
        }
        Assumptions.abort("no python3 with the avro, confluent_kafka and yaml modules; install them with apt-get"
                + " install -y python3-avro python3-confluent-kafka python3-yaml (./fedarch test does)");
        return null;
    }
}
