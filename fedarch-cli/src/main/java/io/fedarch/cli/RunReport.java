package io.fedarch.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.fedarch.events.GlobalModel;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelReady;
import io.fedarch.events.RoundMetrics;

/**
 * The measured record of one run, written next to its logs: {@code rounds.csv} (one row per
 * round, with the round's wall time split into client compute and everything else) and
 * {@code result.json} (the job, the final model, the totals).
 */
public final class RunReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private RunReport() {
    }

    /**
     * Time a round spends outside client compute: messaging, (de)serialisation, waiting, aggregation.
     * With W workers sharing the clients, compute occupies about sum(compute)/W of the round.
     */
    static long overheadMs(RoundMetrics m, int workers) {
        long sumCompute = m.getMeanClientComputeMs() * m.getClientsReported();
        long parallelCompute = Math.max(m.getMaxClientComputeMs(), sumCompute / Math.max(1, workers));
        return Math.max(0, m.getRoundMs() - parallelCompute);
    }

    public static Map<String, Object> summary(JobSpec spec, JobOutcome outcome, int workers) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("jobId", outcome.jobId());
        result.put("algorithm", spec.getAlgorithm());
        result.put("status", outcome.completion() == null ? "UNKNOWN" : outcome.completion().getStatus().name());
        result.put("workers", workers);
        result.put("wallSeconds", outcome.wallMs() / 1000.0);
        long roundMs = 0;
        long overheadMs = 0;
        long updateBytes = 0;
        long updates = 0;
        for (GlobalModel round : outcome.rounds()) {
            RoundMetrics m = round.getMetrics();
            roundMs += m.getRoundMs();
            overheadMs += overheadMs(m, workers);
            updateBytes += m.getUpdateBytes();
            updates += m.getClientsReported();
        }
        int rounds = outcome.rounds().size();
        result.put("rounds", rounds);
        result.put("meanRoundSeconds", rounds == 0 ? 0 : roundMs / 1000.0 / rounds);
        result.put("meanRoundOverheadSeconds", rounds == 0 ? 0 : overheadMs / 1000.0 / rounds);
        result.put("meanRoundComputeSeconds", rounds == 0 ? 0 : (roundMs - overheadMs) / 1000.0 / rounds);
        result.put("bytesPerClientUpdate", updates == 0 ? 0 : updateBytes / updates);
        if (!outcome.models().isEmpty()) {
            ModelReady model = outcome.globalModel();
            result.put("testAccuracy", model.getTestAccuracy());
            result.put("testSamples", model.getTestSamples());
            result.put("parameterCount", model.getParameterCount());
            result.put("macs", model.getMacs());
            result.put("artifacts", model.getArtifactUri());
        }
        result.put("deadLetters", outcome.deadLetters().size());
        return result;
    }

    public static void write(Path runDir, JobSpec spec, JobOutcome outcome, int workers) {
        try {
            Files.createDirectories(runDir);
            List<String> csv = new ArrayList<>();
            csv.add("round,clients_reported,clients_selected,global_val_acc,local_val_acc,train_loss,round_ms,"
                    + "compute_ms_mean,compute_ms_max,other_ms,aggregation_ms,update_bytes_total");
            for (GlobalModel round : outcome.rounds()) {
                RoundMetrics m = round.getMetrics();
                csv.add(String.join(",", Integer.toString(round.getRound()),
                        Integer.toString(m.getClientsReported()), Integer.toString(m.getClientsSelected()),
                        String.format("%.4f", m.getGlobalValidationAccuracy()),
                        String.format("%.4f", m.getValidationAccuracy()), String.format("%.4f", m.getTrainLoss()),
                        Long.toString(m.getRoundMs()), Long.toString(m.getMeanClientComputeMs()),
                        Long.toString(m.getMaxClientComputeMs()), Long.toString(overheadMs(m, workers)),
                        Long.toString(m.getAggregationMs()), Long.toString(m.getUpdateBytes())));
            }
            Files.write(runDir.resolve("rounds.csv"), csv);
            Map<String, Object> result = summary(spec, outcome, workers);
            result.put("job", JSON.readValue(spec.toString(), Map.class));
            JSON.writeValue(runDir.resolve("result.json").toFile(), result);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the run report to " + runDir, e);
        }
    }
}
