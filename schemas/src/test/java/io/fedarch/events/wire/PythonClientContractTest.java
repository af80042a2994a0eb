package io.fedarch.events.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fedarch.events.JobSubmitted;
import io.fedarch.events.RoundPacing;

/**
 * The Python client package (clients/python, fedarch_client) speaks the same wire as the services: its unit tests
 * run here against what Java computes, not against numbers the Python code computed itself: the fingerprints and
 * Parsing Canonical Forms of Avro's SchemaNormalization, single-object messages of EventCodec (which Python must
 * decode and re-encode to the same bytes), and Kafka's murmur2 partitions. What Python encodes, Java decodes.
 */
class PythonClientContractTest {
    private static final Path PACKAGE = Path.of("../clients/python");

    @TempDir
    Path fixtures;

    @Test
    void thePythonClientsUnitTestsPassAgainstJavasFingerprintsMessagesAndPartitions() throws Exception {
        String python = pythonWithAvroKafkaAndYaml();
        Map<String, Schema> schemas = new TreeMap<>();
        Files.createDirectories(fixtures.resolve("samples"));
        for (SpecificRecord event : SampleEvents.all()) {
            schemas.put(event.getSchema().getName(), event.getSchema());
            Files.write(fixtures.resolve("samples/" + event.getSchema().getName() + ".avro"), EventCodec.encode(event));
        }
        List<String> fingerprints = new ArrayList<>();
        schemas.forEach((name, schema) -> fingerprints.add(name + "\t"
                + Long.toUnsignedString(SchemaNormalization.parsingFingerprint64(schema)) + "\t"
                + SchemaNormalization.toParsingForm(schema)));
        Files.write(fixtures.resolve("fingerprints.tsv"), fingerprints);
        List<String> partitions = new ArrayList<>();
        for (String job : List.of("py-0", "job-1", "tiny-smoke-7f3a", "py-5b1e0c8d9a2f4e6b8c0d1e2f3a4b5c6d", "ünï")) {
            for (int count : List.of(1, 3, 8)) {
                int partition = Utils.toPositive(Utils.murmur2(job.getBytes(StandardCharsets.UTF_8))) % count;
                partitions.add(job + "\t" + count + "\t" + partition);
            }
        }
        Files.write(fixtures.resolve("partitions.tsv"), partitions);
        Path fromPython = fixtures.resolve("python-JobSubmitted.avro");

        ProcessBuilder unittest = new ProcessBuilder(python, "-m", "unittest", "discover", "-v", "-s", "tests",
                "-t", "tests").directory(PACKAGE.toFile()).redirectErrorStream(true);
        unittest.environment().put("FEDARCH_JAVA_FIXTURES", fixtures.toAbsolutePath().toString());
        unittest.environment().put("FEDARCH_PYTHON_OUTPUT", fromPython.toAbsolutePath().toString());
        Process tests = unittest.start();
        tests.getOutputStream().close();
        String output = new String(tests.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(tests.waitFor(120, TimeUnit.SECONDS), output);

        assertEquals(0, tests.exitValue(), output);
        assertTrue(output.contains("\nOK"), output);
        assertFalse(output.contains("skipped"), "every test ran against the Java fixtures:\n" + output);
        JobSubmitted decoded = EventCodec.decode(Files.readAllBytes(fromPython), JobSubmitted.class);
        assertEquals("py-wire", decoded.getJobId());
        assertEquals("from-python", decoded.getSpec().getName());
        assertEquals(4, decoded.getSpec().getRounds());
        assertEquals(Map.of("conv1", "8"), decoded.getSpec().getModel().getOptions());
        assertEquals(RoundPacing.AUTOMATIC, decoded.getSpec().getPacing());
    }

    /** Debian's python3 with python3-avro, python3-confluent-kafka and python3-yaml (./fedarch test installs them). */
    private static String pythonWithAvroKafkaAndYaml() throws InterruptedException {
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
