package io.fedarch.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fedarch.events.PartitionScheme;
import io.fedarch.events.RoundPacing;

class JobFileTest {
    private static final Path EXAMPLES = Path.of(System.getProperty("fedarch.home", "..")).resolve("examples");

    @Test
    void everyShippedExampleParses() throws Exception {
        try (Stream<Path> files = Files.list(EXAMPLES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                assertNotNull(JobFile.read(file).spec(), file.toString());
            }
        }
    }

    /** The job limits (JobLimits.DEFAULTS) refuse hostile specs, never a job the project ships or has measured. */
    @Test
    void everyShippedExampleAndBenchJobFitsTheDefaultJobLimits() throws Exception {
        Path home = EXAMPLES.getParent();
        for (Path root : java.util.List.of(EXAMPLES, home.resolve("bench").resolve("jobs"))) {
            try (Stream<Path> files = Files.walk(root)) {
                for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                    io.fedarch.core.federation.JobValidation.validate(
                            io.fedarch.core.strategy.StrategyRegistry.builtIn(), JobFile.read(file).spec(),
                            io.fedarch.core.federation.EngineSettings.defaults());
                }
            }
        }
    }

    @Test
    void theMainExampleIsTheDocumentedBaseline() {
        JobFile main = JobFile.read(EXAMPLES.resolve("fedavg-fmnist.yaml"));
        assertEquals("fedavg", main.spec().getAlgorithm());
        assertEquals(10, main.spec().getTotalClients());
        assertEquals(PartitionScheme.DIRICHLET, main.spec().getData().getPartition().getScheme());
        assertEquals(0.5, main.spec().getData().getPartition().getDirichletAlpha());
        assertEquals(2, main.workers());
        assertEquals(RoundPacing.EXTERNAL,
                JobFile.read(EXAMPLES.resolve("external-pacing.yaml")).spec().getPacing());
    }

    @Test
    void unknownSectionsAndSettingsAreNamed(@TempDir Path dir) throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "job:\n  rounds: 2\nlocal:\n  wrokers: 3\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JobFile.read(bad));
        assertTrue(e.getMessage().contains("local.wrokers"), e.getMessage());

        Files.writeString(bad, "job:\n  rounds: 2\n  learningrate: 0.1\n");
        e = assertThrows(IllegalArgumentException.class, () -> JobFile.read(bad));
        assertTrue(e.getMessage().contains("learningrate"), e.getMessage());
    }
}
