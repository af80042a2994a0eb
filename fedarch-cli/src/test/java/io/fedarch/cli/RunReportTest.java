package io.fedarch.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fedarch.events.GlobalModel;
import io.fedarch.events.JobSpec;
import io.fedarch.events.spec.DerivedJobs;

class RunReportTest {
    private static final String GENOTYPE = "{\"normal\":[[\"sep_conv_3x3\",0]],\"normal_concat\":[2,3,4,5]}";

    /** A 3-round masked search, masks after rounds 1 to 3, and one fine-tuning round. */
    private static JobOutcome maskedRun() {
        JobSpec spec = SyntheticEvents.fedMetaNasSpec();
        String fineTune = DerivedJobs.fineTuneJobId(SyntheticEvents.JOB);
        List<GlobalModel> rounds = List.of(
                SyntheticEvents.round(SyntheticEvents.JOB, 1, 3, 1500, 0.10),
                SyntheticEvents.round(SyntheticEvents.JOB, 2, 3, 2700, 0.40),
                SyntheticEvents.round(SyntheticEvents.JOB, 3, 3, 3600, 0.60));
        return new JobOutcome(SyntheticEvents.JOB, SyntheticEvents.SUBMITTED, rounds,
                List.of(SyntheticEvents.round(fineTune, 1, 1, 5000, 0.70)),
                List.of(SyntheticEvents.mask(1, 50, GENOTYPE), SyntheticEvents.mask(2, 40, GENOTYPE),
                        SyntheticEvents.mask(3, 30, GENOTYPE)),
                SyntheticEvents.completion(spec, 3700),
                List.of(SyntheticEvents.globalModel(0.72, Map.of("discretizationGap", 0.05))), List.of(), 6000);
    }

    @Test
    void roundsCsvAppendsElapsedTimeAndTheOperationsEachRoundSearched(@TempDir Path dir) throws Exception {
        RunReport.write(dir, SyntheticEvents.fedMetaNasSpec(), maskedRun(), 2);
        List<String> lines = Files.readAllLines(dir.resolve("rounds.csv"));
        assertTrue(lines.get(0).startsWith("stage,round,clients_reported,clients_selected,global_val_acc,"),
                "existing columns keep their order");
        assertTrue(lines.get(0).contains(",steps,elapsed_ms,active_operations,"), lines.get(0));
        List<String> header = Csv.split(lines.get(0));
        assertEquals(List.of("search,1", "1500", ""), pick(header, lines.get(1)));
        assertEquals(List.of("search,2", "2700", "50"), pick(header, lines.get(2)), "round 2 searched the mask after round 1");
        assertEquals(List.of("search,3", "3600", "40"), pick(header, lines.get(3)));
        assertEquals(List.of("fine-tune,1", "5000", ""), pick(header, lines.get(4)),
                "the fine-tuning job is timed from the parent's submission");
    }

    /** stage,round then the columns elapsed_ms and active_operations. */
    private static List<String> pick(List<String> header, String line) {
        List<String> f = Csv.split(line);
        return List.of(f.get(0) + "," + f.get(1), f.get(header.indexOf("elapsed_ms")),
                f.get(header.indexOf("active_operations")));
    }

    @Test
    void masksCsvHasOneRowPerMaskWithTheGenotypeQuoted(@TempDir Path dir) throws Exception {
        RunReport.write(dir, SyntheticEvents.fedMetaNasSpec(), maskedRun(), 2);
        List<String> lines = Files.readAllLines(dir.resolve("masks.csv"));
        assertEquals("round,threshold,active_operations,decaying_operations,total_operations,active_edges,genotype",
                lines.get(0));
        assertEquals(4, lines.size());
        assertEquals(List.of("2", "0.4000", "40", "2", "56", "20", GENOTYPE), Csv.split(lines.get(2)));
    }

    @Test
    void resultJsonCarriesSearchTimeModelMetricsAndTheFinalMask(@TempDir Path dir) throws Exception {
        RunReport.write(dir, SyntheticEvents.fedMetaNasSpec(), maskedRun(), 2);
        JsonNode result = new ObjectMapper().readTree(dir.resolve("result.json").toFile());
        assertEquals(3.7, result.get("searchSeconds").asDouble());
        assertEquals(0.05, result.get("modelMetrics").get("discretizationGap").asDouble());
        assertEquals(3, result.get("maskRounds").asInt());
        assertEquals(30, result.get("finalActiveOperations").asInt());
        assertEquals(56, result.get("finalTotalOperations").asInt());
    }

    @Test
    void aRunWithoutMasksWritesNoMasksCsvAndNoMaskTotals(@TempDir Path dir) {
        JobOutcome masked = maskedRun();
        JobOutcome plain = new JobOutcome(masked.jobId(), masked.submittedAt(), masked.rounds(), List.of(), List.of(),
                masked.completion(), masked.models(), List.of(), masked.wallMs());
        RunReport.write(dir, SyntheticEvents.fedMetaNasSpec(), plain, 2);
        assertFalse(Files.exists(dir.resolve("masks.csv")));
        Map<String, Object> summary = RunReport.summary(SyntheticEvents.fedMetaNasSpec(), plain, 2);
        assertFalse(summary.containsKey("maskRounds"));
    }

    @Test
    void theConsoleLineOfAMaskCountsEdgesOverBothCellTypes() {
        assertEquals("mask after round 2/3: 40/56 operations active (2 decaying), 20/28 edges, threshold 0.40",
                ConsoleProgress.maskLine(SyntheticEvents.mask(2, 40, GENOTYPE)));
    }
}
