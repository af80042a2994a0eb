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

    @Test
    void aBenchmarkCanSlowOneWorkerAndTimeRunsToAFixedTarget(@TempDir Path dir) throws Exception {
        BenchFile bench = BenchFile.read(benchWithJobs(dir, """
                name: slow
                workers: 3
                workerSlowdowns: [3.0, 1, 1.0]
                targetAccuracy: 0.7
                runs:
                  - jobs/smoke.yaml
                """));
        assertEquals(List.of(3.0, 1.0, 1.0), bench.workerSlowdowns());
        assertEquals(0.7, bench.targetAccuracy());
        assertNull(bench.reference());
        StackOptions options = new StackOptions(dir, dir, 3, dir).withDefaultSlowdowns(bench.workerSlowdowns());
        assertEquals(3.0, options.slowdown(1));
        assertEquals(1.0, options.slowdown(3));
        StackOptions fromFlag = StackOptions.parse(List.of("--workers", "3", "--worker-slowdowns", "1,2.5,1"), 2, "x")
                .withDefaultSlowdowns(bench.workerSlowdowns());
        assertEquals(2.5, fromFlag.slowdown(2), "the command line wins over the benchmark file");
        assertEquals(1.0, new StackOptions(dir, dir, 2, dir).slowdown(2), "no slowdowns = full speed");

        IllegalArgumentException wrongCount = assertThrows(IllegalArgumentException.class, () -> BenchFile.read(
                benchWithJobs(dir.resolve("a"), "workers: 2\nworkerSlowdowns: [3.0]\nruns: [jobs/smoke.yaml]\n")));
        assertTrue(wrongCount.getMessage().contains("1 factors for 2 workers"), wrongCount.getMessage());
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class, () -> BenchFile.read(
                benchWithJobs(dir.resolve("b"), "reference: smoke\ntargetAccuracy: 0.5\nruns: [jobs/smoke.yaml]\n")));
        assertTrue(both.getMessage().contains("not both"), both.getMessage());
        IllegalArgumentException faster = assertThrows(IllegalArgumentException.class,
                () -> new StackOptions(dir, dir, 1, dir, List.of(0.5)));
        assertTrue(faster.getMessage().contains(">= 1.0"), faster.getMessage());
    }

    @Test
    void theAsyncBenchmarksParse() {
        BenchFile slow = BenchFile.read(BENCH.resolve("async-vs-sync-slow-worker.yaml"));
        assertEquals(List.of(3.0, 1.0, 1.0), slow.workerSlowdowns());
        assertEquals(List.of("fedavg-sync-s42", "fedavg-async-s42", "fedavg-sync-s7", "fedavg-async-s7"),
                slow.runs().stream().map(BenchRun::name).toList());
        JobSpec async = JobFile.read(slow.runs().get(1).job()).spec();
        assertEquals(3, async.getAsyncAggregation().getBufferSize());
        assertEquals(6, async.getAsyncAggregation().getConcurrency());
        assertTrue(BenchFile.read(BENCH.resolve("async-vs-sync-control.yaml")).workerSlowdowns().isEmpty());
    }
}
