package io.fedarch.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fedarch.events.GlobalModel;
import io.fedarch.events.RoundMetrics;

/** The round time breakdown in rounds.csv and result.json, from the figures in RoundMetrics.custom. */
class RoundBreakdownTest {
    /** A 10 s round: coordinator 0.3 s, worker phases 8.3 s (7 s of it compute), wait 0.5 s, so 0.9 s transport. */
    static RoundMetrics measured() {
        Map<String, Double> custom = new HashMap<>(Map.of("steps", 10.0, "time.workers", 2.0,
                "time.coordinatorEngineMs", 100.0, "time.coordinatorEncodeMs", 50.0, "time.coordinatorCommitMs", 150.0,
                "time.taskDecodeMs", 200.0, "time.loadMs", 400.0, "time.evalGlobalMs", 1000.0, "time.trainMs", 5500.0,
                "time.evalLocalMs", 500.0));
        custom.putAll(Map.of("time.updateEncodeMs", 300.0, "time.clientOtherMs", 400.0, "time.waitMs", 500.0,
                "time.updateVerifyMs", 1.5, "time.updateCommitMs", 12.25));
        return RoundMetrics.newBuilder().setClientsSelected(4).setClientsReported(4).setSampleCount(100)
                .setTrainLoss(1.0).setValidationAccuracy(0.5).setGlobalValidationAccuracy(0.4).setRoundMs(10_000)
                .setAggregationMs(1).setMeanClientComputeMs(4000).setMaxClientComputeMs(4500).setUpdateBytes(2048)
                .setCustom(custom).build();
    }

    @Test
    void thePartsAddUpToTheRoundAndOverheadIsAllButEvaluationAndTraining() {
        RoundBreakdown b = RoundBreakdown.of(measured()).orElseThrow();
        assertEquals(0.9, b.transport(), 1e-9, "what no measured part accounts for");
        assertEquals(10.0, b.parts().values().stream().mapToDouble(Double::doubleValue).sum(), 1e-9);
        assertEquals(10.0 - 7.0, b.overhead(), 1e-9);
        assertEquals(0.3, b.overheadShare(), 1e-9);
    }

    @Test
    void aRoundWithoutTheFiguresHasNoBreakdownAndEmptyCells() {
        RoundMetrics old = measured();
        old.setCustom(Map.of("steps", 10.0));
        assertTrue(RoundBreakdown.of(old).isEmpty());
        assertEquals(RoundBreakdown.HEADER.split(",").length, RoundBreakdown.emptyCells().size());
    }

    @Test
    void roundsCsvCarriesTheColumnsAndResultJsonTheOverheadShare(@TempDir Path dir) throws Exception {
        GlobalModel round1 = SyntheticEvents.round(SyntheticEvents.JOB, 1, 2, 10_000, 0.4);
        round1.setMetrics(measured());
        GlobalModel round2 = SyntheticEvents.round(SyntheticEvents.JOB, 2, 2, 11_000, 0.5);
        JobOutcome outcome = new JobOutcome(SyntheticEvents.JOB, SyntheticEvents.SUBMITTED, List.of(round1, round2),
                List.of(), List.of(), SyntheticEvents.completion(SyntheticEvents.fedMetaNasSpec(), 11_000),
                List.of(SyntheticEvents.globalModel(0.5, Map.of())), List.of(), 12_000);
        RunReport.write(dir, SyntheticEvents.fedMetaNasSpec(), outcome, 2);

        List<String> lines = Files.readAllLines(dir.resolve("rounds.csv"));
        List<String> header = Csv.split(lines.get(0));
        List<String> row1 = Csv.split(lines.get(1));
        assertEquals(header.size(), row1.size());
        assertEquals("10.000", row1.get(header.indexOf("round_s")));
        assertEquals("0.900", row1.get(header.indexOf("transport_s")));
        assertEquals("5.500", row1.get(header.indexOf("train_s")));
        assertEquals("0.3000", row1.get(header.indexOf("overhead_share")));
        assertEquals("12.25", row1.get(header.indexOf("update_commit_ms")));
        List<String> row2 = Csv.split(lines.get(2));
        assertEquals(header.size(), row2.size(), "a round without figures keeps the columns, empty");
        assertEquals("", row2.get(header.indexOf("round_s")));

        JsonNode result = new ObjectMapper().readTree(dir.resolve("result.json").toFile());
        assertEquals(1, result.get("measuredRounds").asInt(), "only the round with figures");
        assertEquals(0.3, result.get("platformOverheadShare").asDouble(), 1e-9);
        assertEquals(0.9, result.get("meanRoundBreakdownSeconds").get("transport").asDouble(), 1e-9);
    }
}
