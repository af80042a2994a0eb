package io.fedarch.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fedarch.events.JobSpec;

class BenchFileTest {
    private static final Path EXAMPLES = Path.of(System.getProperty("fedarch.home", "..")).resolve("examples");
    private static final Path BENCH = Path.of(System.getProperty("fedarch.home", "..")).resolve("bench");

    private static Path benchWithJobs(Path dir, String yaml) throws Exception {
        Files.createDirectories(dir.resolve("jobs"));
        Files.copy(EXAMPLES.resolve("tiny-smoke.yaml"), dir.resolve("jobs/smoke.yaml"));
        Files.copy(EXAMPLES.resolve("fednas-tiny.yaml"), dir.resolve("jobs/nas.yaml"));
        Path bench = dir.resolve("bench.yaml");
        Files.writeString(bench, yaml);
        return bench;
    }

    @Test
    void theShippedBenchmarksStillParse() {
        BenchFile bench = BenchFile.read(BENCH.resolve("fednas-vs-fedavg.yaml"));
        assertEquals(List.of("fedavg-dirichlet", "fednas-dirichlet", "fedavg-labelskew", "fednas-labelskew"),
                bench.runs().stream().map(BenchRun::name).toList());
        assertNull(bench.reference());
        assertFalse(bench.runs().get(0).repeatedOverSeeds());
    }

    @Test
    void aRunIsAJobFileOrAJobRepeatedOverSeeds(@TempDir Path dir) throws Exception {
        BenchFile bench = BenchFile.read(benchWithJobs(dir, """
                name: seeds
                workers: 3
                reference: nas
                runs:
                  - jobs/smoke.yaml
                  - {job: jobs/nas.yaml, seeds: [42, 7, 1234]}
                """));
        assertEquals("seeds", bench.name());
        assertEquals(3, bench.workers());
        assertEquals(List.of("smoke", "nas-s42", "nas-s7", "nas-s1234"), bench.runs().stream().map(BenchRun::name).toList());
        BenchRun second = bench.runs().get(2);
        assertEquals("nas", second.jobName());
        assertEquals(dir.resolve("jobs/nas.yaml").toAbsolutePath().normalize(), second.job());
        assertEquals(7L, second.seed());
        assertTrue(second.repeatedOverSeeds());
        assertEquals("nas-s42", bench.reference(), "a job repeated over seeds is referenced by its first seed");

        JobSpec fromFile = JobFile.read(second.job()).spec();
        JobSpec run = second.spec(fromFile);
        assertEquals(7L, run.getSeed());
        assertEquals("fednas-tiny-s7", run.getName());
        assertEquals(fromFile.getRounds(), run.getRounds(), "only the seed changes");
        assertSame(fromFile, bench.runs().get(0).spec(fromFile), "a plain run keeps the file's seed");
    }

    @Test
    void aMapEntryWithoutSeedsIsOneRunAndTheReferenceMayNameAnyRun(@TempDir Path dir) throws Exception {
        BenchFile bench = BenchFile.read(benchWithJobs(dir, """
                reference: nas-s7
                runs:
                  - {job: jobs/smoke.yaml}
                  - {job: jobs/nas.yaml, seeds: [7]}
                """));
        assertEquals("bench", bench.name());
        assertEquals(2, bench.workers());
        assertEquals(List.of("smoke", "nas-s7"), bench.runs().stream().map(BenchRun::name).toList());
        assertNull(bench.runs().get(0).seed());
        assertEquals("nas-s7", bench.reference());
    }

    @Test
    void mistakesAreNamed(@TempDir Path dir) throws Exception {
        assertMessage(dir, "runs:\n  - {job: jobs/nas.yaml, seed: [1]}\n", "seed");
        assertMessage(dir, "runs:\n  - {job: jobs/nas.yaml, seeds: []}\n", "non-empty list");
        assertMessage(dir, "runs:\n  - {job: jobs/nas.yaml, seeds: [1, x]}\n", "'x'");
        assertMessage(dir, "runs:\n  - {seeds: [1]}\n", "needs 'job:'");
        assertMessage(dir, "runs:\n  - {job: jobs/nas.yaml, seeds: [1, 1]}\n", "nas-s1' is listed twice");
        assertMessage(dir, "runs:\n  - jobs/missing.yaml\n", "does not exist");
        assertMessage(dir, "reference: smok\nruns:\n  - jobs/smoke.yaml\n", "reference 'smok'");
        assertMessage(dir, "refrence: smoke\nruns:\n  - jobs/smoke.yaml\n", "refrence");
    }

    private static void assertMessage(Path dir, String yaml, String expected) throws Exception {
        Path sub = Files.createTempDirectory(dir, "case");
        Path bench = benchWithJobs(sub, yaml);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BenchFile.read(bench));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
