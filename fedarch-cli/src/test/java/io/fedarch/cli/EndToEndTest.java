package io.fedarch.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fedarch.events.Artifact;
import io.fedarch.events.ClientUpdate;
import io.fedarch.events.DeadLetter;
import io.fedarch.events.ModelReady;
import io.fedarch.events.SearchStatus;
import io.fedarch.events.wire.TopicTap;
import io.fedarch.events.wire.Topics;

/**
 * The whole system as it is deployed: a real Kafka broker process, the coordinator, two workers
 * and the pruning service as separate packaged JVMs, real Fashion-MNIST, real training. A tiny
 * job goes in as an event; a model-ready event and files on disk must come out.
 */
class EndToEndTest {
    @TempDir
    static Path runDir;
    private static LocalStack stack;

    @BeforeAll
    static void startStack() {
        Path home = Path.of(System.getProperty("fedarch.home", "..")).toAbsolutePath().normalize();
        stack = LocalStack.start(new StackOptions(home, runDir, 2, DatasetCheck.DEFAULT_DIR), System.out);
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aTinyJobRunsThroughAllServicesOnTwoWorkers() throws Exception {
        JobFile job = JobFile.read(stack.home().resolve("examples/tiny-smoke.yaml"));
        try (TopicTap tap = new TopicTap(stack.bootstrapServers());
             var updates = tap.follow(Topics.CLIENT_UPDATES, ClientUpdate.class);
             var deadLetters = tap.follow(Topics.DEAD_LETTERS, DeadLetter.class)) {
            // Garbage on the input topics must be dead-lettered without disturbing the job.
            tap.sendRaw(Topics.CLIENT_TASKS, "noise-task", "not an event".getBytes());
            tap.sendRaw(Topics.CLIENT_UPDATES, "noise-update", new byte[]{(byte) 0xC3, 0x01, 9, 9});

            JobOutcome outcome = new JobRunner(stack.bootstrapServers())
                    .run(job.spec(), Duration.ofSeconds(job.timeoutSeconds()), new ConsoleProgress(System.out));

            assertEquals(SearchStatus.SUCCEEDED, outcome.completion().getStatus());
            assertEquals(2, outcome.rounds().size());
            ModelReady model = outcome.globalModel();
            assertEquals(1000, model.getTestSamples());
            assertTrue(model.getTestAccuracy() > 0.5,
                    "2 rounds on 3,000 real images beat chance (0.10) by far: " + model.getTestAccuracy());
            for (Artifact file : model.getFiles()) {
                assertTrue(Files.size(Path.of(file.getPath())) > 0, file.getPath());
                assertTrue(file.getPath().startsWith(runDir.toString()), file.getPath());
            }

            List<ClientUpdate> jobUpdates = updates.await(6, u -> u.getJobId().equals(outcome.jobId()),
                    Duration.ofSeconds(30));
            Set<String> workers = new TreeSet<>();
            jobUpdates.forEach(u -> workers.add(u.getWorkerId()));
            assertEquals(Set.of("worker-1", "worker-2"), workers, "both workers received tasks");

            List<DeadLetter> letters = deadLetters.await(2, d -> d.getKey() != null && d.getKey().startsWith("noise"),
                    Duration.ofSeconds(30));
            assertEquals(Set.of("fedarch-worker", "fedarch-coordinator"), Set.copyOf(letters.stream().map(DeadLetter::getService).toList()));

            RunReport.write(runDir, job.spec(), outcome, 2);
            List<String> csv = Files.readAllLines(runDir.resolve("rounds.csv"));
            assertEquals(3, csv.size(), "header and one row per round");
            Map<String, Object> summary = RunReport.summary(job.spec(), outcome, 2);
            assertEquals(model.getTestAccuracy(), (double) summary.get("testAccuracy"));
            assertTrue((long) summary.get("bytesPerClientUpdate") > model.getParameterCount() * 4 - 1,
                    "fp32 updates carry at least 4 bytes per parameter");
        }
    }
}
