package io.fedarch.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

/** The lifecycle Quarkus drives: start() hands out config, stop() removes broker and files. */
class KafkaBrokerTestResourceTest {

    @Test
    void startGivesAWorkingBootstrapAddressAndStopRemovesEverything() throws Exception {
        Set<Long> childrenBefore = childPids();
        Set<Path> workDirsBefore = testResourceWorkDirs();
        KafkaBrokerTestResource resource = new KafkaBrokerTestResource();
        Map<String, String> config = resource.start();
        List<ProcessHandle> started;
        Path workDir;
        try {
            String bootstrap = config.get("kafka.bootstrap.servers");
            assertEquals(bootstrap, config.get("mp.messaging.connector.smallrye-kafka.bootstrap.servers"));
            assertEquals("false", config.get("quarkus.kafka.devservices.enabled"));
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
                assertEquals(1, admin.describeCluster().nodes().get(30, TimeUnit.SECONDS).size());
            }
            started = ProcessHandle.current().children().filter(child -> !childrenBefore.contains(child.pid())).toList();
            assertEquals(1, started.size(), "expected exactly one broker child process");
            Set<Path> newWorkDirs = new HashSet<>(testResourceWorkDirs());
            newWorkDirs.removeAll(workDirsBefore);
            assertEquals(1, newWorkDirs.size(), "expected one new work directory: " + newWorkDirs);
            workDir = newWorkDirs.iterator().next();
            assertTrue(Files.isRegularFile(workDir.resolve("broker.log")));
        } finally {
            resource.stop();
        }
        assertFalse(started.get(0).isAlive(), "broker still running after stop()");
        assertFalse(Files.exists(workDir), "work directory left behind: " + workDir);
    }

    private static Set<Path> testResourceWorkDirs() throws IOException {
        try (Stream<Path> entries = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return entries.filter(path -> path.getFileName().toString().startsWith("fedarch-kafka-"))
                    .collect(Collectors.toSet());
        }
    }

    private static Set<Long> childPids() {
        return ProcessHandle.current().children().map(ProcessHandle::pid).collect(Collectors.toSet());
    }
}
