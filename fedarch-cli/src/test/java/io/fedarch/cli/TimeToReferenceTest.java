package io.fedarch.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TimeToReferenceTest {
    private static final String HEADER = "stage,round,clients_reported,clients_selected,global_val_acc,local_val_acc,"
            + "train_loss,round_ms,compute_ms_mean,compute_ms_max,other_ms,aggregation_ms,update_bytes_total,steps,"
            + "elapsed_ms,active_operations";

    /** A FedNAS-like reference: 2 search rounds, then 2 fine-tuning rounds ending at 0.8000. */
    private static final List<String> REFERENCE = List.of(HEADER,
            "search,1,5,5,0.1000,0.5,1.0,1000,400,450,100,1,2048,10,1200,",
            "search,2,5,5,0.3000,0.5,1.0,1000,400,450,100,1,2048,10,2300,",
            "fine-tune,1,5,5,0.8500,0.5,1.0,1000,400,450,100,1,2048,10,3400,",
            "fine-tune,2,5,5,0.8000,0.5,1.0,1000,400,450,100,1,2048,10,4500,");
    /** A faster run: reaches 0.8000 exactly in round 3 (12.5 s), dips, and passes it again. */
    private static final List<String> FAST = List.of(HEADER,
            "train,1,5,5,0.1000,0.5,1.0,1000,400,450,100,1,2048,10,5000,",
            "train,2,5,5,0.7999,0.5,1.0,1000,400,450,100,1,2048,10,9000,",
            "train,3,5,5,0.8000,0.5,1.0,1000,400,450,100,1,2048,10,12500,",
            "train,4,5,5,0.7000,0.5,1.0,1000,400,450,100,1,2048,10,16000,",
            "train,5,5,5,0.9000,0.5,1.0,1000,400,450,100,1,2048,10,20000,");
    /** Written before elapsed_ms existed: its rounds cannot be timed. */
    private static final List<String> OLD = List.of(
            "stage,round,clients_reported,clients_selected,global_val_acc,local_val_acc,train_loss,round_ms,"
                    + "compute_ms_mean,compute_ms_max,other_ms,aggregation_ms,update_bytes_total,steps",
            "train,1,5,5,0.9500,0.5,1.0,1000,400,450,100,1,2048,10");

    @Test
    void theReferenceIsTheLastRowAndARunReachesItAtItsFirstRoundAtOrAbove(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("reference.csv"), REFERENCE);
        Files.write(dir.resolve("fast.csv"), FAST);
        List<RoundsCsv.Row> reference = RoundsCsv.read(dir.resolve("reference.csv"));
        assertEquals(0.8, TimeToReference.referenceAccuracy(reference).getAsDouble(), "last row, whatever the stage");

        RoundsCsv.Row reached = TimeToReference.firstReaching(RoundsCsv.read(dir.resolve("fast.csv")), 0.8).orElseThrow();
        assertEquals(3, reached.round());
        assertEquals(12_500L, reached.elapsedMs());
        assertEquals("fine-tune", TimeToReference.firstReaching(reference, 0.8).orElseThrow().stage(),
                "the reference reaches its own accuracy in its first fine-tuning round");
        assertEquals(3400L, TimeToReference.firstReaching(reference, 0.8).orElseThrow().elapsedMs());
        assertTrue(TimeToReference.firstReaching(RoundsCsv.read(dir.resolve("fast.csv")), 0.95).isEmpty());
        assertTrue(TimeToReference.referenceAccuracy(RoundsCsv.read(dir.resolve("absent.csv"))).isEmpty());
    }

    @Test
    void theSectionAndResultsCsvTimeEveryRunAgainstTheReference(@TempDir Path dir) throws Exception {
        write(dir, "reference", REFERENCE);
        write(dir, "fast", FAST);
        write(dir, "old", OLD);
        List<Map<String, Object>> rows = List.of(
                Map.of("run", "reference", "wallSeconds", 6.0, "testAccuracy", 0.79),
                Map.of("run", "fast", "wallSeconds", 21.0, "testAccuracy", 0.9),
                Map.of("run", "old", "wallSeconds", 2.0));
        BenchTable.write(dir, "ttr", "./fedarch bench ttr.yaml", rows, "reference");

        String md = Files.readString(dir.resolve("results.md"));
        assertTrue(md.contains("## Time to reference accuracy"), md);
        assertTrue(md.contains("Reference accuracy 0.8000"), md);
        assertTrue(md.contains("| run | time to reference s | reached in | wall s |"), md);
        assertTrue(md.contains("| reference | 3.4 | fine-tune round 1 | 6.0 |"), md);
        assertTrue(md.contains("| fast | 12.5 | train round 3 | 21.0 |"), md);
        assertTrue(md.contains("| old | not reached |  | 2.0 |"), md);

        List<String> csv = Files.readAllLines(dir.resolve("results.csv"));
        List<String> header = Csv.split(csv.get(0));
        int column = header.indexOf("time_to_reference_s");
        assertEquals("12.5", Csv.split(csv.get(2)).get(column));
        assertEquals("", Csv.split(csv.get(3)).get(column));
    }

    @Test
    void noReferenceNoSection(@TempDir Path dir) throws Exception {
        write(dir, "fast", FAST);
        BenchTable.write(dir, "plain", "./fedarch bench plain.yaml", List.of(Map.of("run", "fast")), null);
        assertFalse(Files.readString(dir.resolve("results.md")).contains("Time to reference"));
    }

    private static void write(Path dir, String run, List<String> lines) throws Exception {
        Files.createDirectories(dir.resolve(run));
        Files.write(dir.resolve(run).resolve("rounds.csv"), lines);
    }
}
