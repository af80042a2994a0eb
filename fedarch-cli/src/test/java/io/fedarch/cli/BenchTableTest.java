package io.fedarch.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchTableTest {
    private static final String GENOTYPE = "{\"normal\":[[\"skip_connect\",0]]}";

    @Test
    void newColumnsAndThePruningSectionFromWrittenRuns(@TempDir Path dir) throws Exception {
        List<Map<String, Object>> rows = List.of(
                BenchRuns.write(dir, "fedavg", null, new double[]{0.2, 0.5}, List.of(), 0.52, Map.of()),
                BenchRuns.write(dir, "metanas", null, new double[]{0.3, 0.5, 0.6},
                        List.of(SyntheticEvents.mask(1, 50, GENOTYPE), SyntheticEvents.mask(2, 38, GENOTYPE),
                                SyntheticEvents.mask(3, 30, GENOTYPE)),
                        0.61, Map.of("discretizationGap", 0.0123, "relaxedSupernetTestAccuracy", 0.6223)));
        BenchTable.write(dir, "metanas-vs-fedavg", "./fedarch bench b.yaml", rows, null);

        List<String> csv = Files.readAllLines(dir.resolve("results.csv"));
        assertEquals("run,algorithm,partition,global_test_acc,mean_personalized_acc,parameters,MACs,wall_s,rounds,"
                + "fine-tune_rounds,bytes_per_client-round,task_bytes_per_client-round,ms_per_local_step,mean_round_s,search_s,discretization_gap,"
                + "job,seed,relaxed_supernet_test_acc,mask_rounds,final_active_operations,final_total_operations,"
                + "time_to_reference_s", csv.get(0));
        List<String> metanas = Csv.split(csv.get(2));
        assertEquals(23, metanas.size());
        assertEquals(List.of("3.0", "0.0123", "metanas", "42", "0.6223", "3", "30", "56", ""), metanas.subList(14, 23));
        assertEquals(List.of("2.0", "", "fedavg", "42", "", "", "", "", ""), Csv.split(csv.get(1)).subList(14, 23));

        String md = Files.readString(dir.resolve("results.md"));
        assertTrue(md.contains("| mean round s | search s | relaxed→discrete gap |"), md);
        assertTrue(md.contains("## Per-round compute as pruning proceeds"), md);
        assertTrue(md.contains("| run | round | active operations | compute ms mean | round ms |"), md);
        assertTrue(md.contains("| metanas | 1 |  | 400 | 1000 |"), md);
        assertTrue(md.contains("| metanas | 3 | 38 | 400 | 1000 |"), md);
        assertFalse(md.contains("| fedavg | 1 |"), "runs without masks have no pruning rows");
        assertFalse(md.contains("## Seed variance"));
        assertTrue(Files.exists(dir.resolve("accuracy-vs-wall.svg")));
    }
}
