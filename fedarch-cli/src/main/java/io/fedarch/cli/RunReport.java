package io.fedarch.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.fedarch.events.ArchitectureMask;
import io.fedarch.events.GlobalModel;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelReady;
import io.fedarch.events.RoundMetrics;

/**
 * The measured record of one run, written next to its logs: {@code rounds.csv} (one row per
 * round of the search and of its fine-tuning, with the round's wall time split into client
 * compute and everything else, and its time since the run was submitted), {@code masks.csv} (the
 * soft-pruning masks of a FedMetaNAS search), {@code clients.csv} (personalized models),
 * {@code budgets.csv} (a SuperFedNAS job's model per MACs budget) and
 * {@code result.json} (the job, the final model, the totals).
 */
public final class RunReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    static final String ROUNDS_HEADER = "stage,round,clients_reported,clients_selected,global_val_acc,local_val_acc,"
            + "train_loss,round_ms,compute_ms_mean,compute_ms_max,other_ms,aggregation_ms,update_bytes_total,steps,"
            + "elapsed_ms,active_operations," + RoundBreakdown.HEADER;
    static final String MASKS_HEADER =
            "round,threshold,active_operations,decaying_operations,total_operations,active_edges,genotype";

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
        if (outcome.completion() != null) {
            result.put("searchSeconds", outcome.completion().getSearchMs() / 1000.0);
        }
        result.putAll(roundTotals(outcome.rounds(), workers, ""));
        if (!outcome.fineTuneRounds().isEmpty()) {
            result.putAll(roundTotals(outcome.fineTuneRounds(), workers, "fineTune"));
        }
        if (outcome.models().stream().anyMatch(m -> m.getScope() == io.fedarch.events.ModelScope.GLOBAL)) {
            ModelReady model = outcome.globalModel();
            result.put("testAccuracy", model.getTestAccuracy());
            result.put("testSamples", model.getTestSamples());
            result.put("parameterCount", model.getParameterCount());
            result.put("macs", model.getMacs());
            if (model.getArchitecture().startsWith("{\"normal\"")) {
                result.put("genotype", model.getArchitecture());
            }
            result.put("artifacts", model.getArtifactUri());
            result.put("modelMetrics", new TreeMap<>(model.getMetrics()));
        }
        outcome.lastMask().ifPresent(last -> {
            result.put("maskRounds", outcome.masks().size());
            result.put("finalActiveOperations", last.getActiveOperations());
            result.put("finalTotalOperations", last.getTotalOperations());
        });
        List<ModelReady> clients = outcome.clientModels();
        if (!clients.isEmpty()) {
            result.put("personalizedClients", clients.size());
            result.put("meanPersonalizedAccuracy", clients.stream().mapToDouble(ModelReady::getTestAccuracy).average()
                    .orElse(Double.NaN));
            result.put("minPersonalizedAccuracy", clients.stream().mapToDouble(ModelReady::getTestAccuracy).min()
                    .orElse(Double.NaN));
            result.put("maxPersonalizedAccuracy", clients.stream().mapToDouble(ModelReady::getTestAccuracy).max()
                    .orElse(Double.NaN));
        }
        List<ModelReady> budgets = outcome.budgetModels();
        if (!budgets.isEmpty()) {
            List<Map<String, Object>> perBudget = new ArrayList<>();
            for (ModelReady m : budgets) {
                Map<String, Object> b = new LinkedHashMap<>();
                b.put("macsBudget", m.getMacsBudget());
                b.put("macs", m.getMacs());
                b.put("parameterCount", m.getParameterCount());
                b.put("testAccuracy", m.getTestAccuracy());
                b.put("validationAccuracy", m.getMetrics().get("validationAccuracy"));
                b.put("architecture", m.getArchitecture());
                perBudget.add(b);
            }
            result.put("budgetModels", perBudget);
        }
        result.put("deadLetters", outcome.deadLetters().size());
        return result;
    }

    /** Totals of a sequence of rounds; keys get {@code prefix} (camel-cased) when not empty. */
    static Map<String, Object> roundTotals(List<GlobalModel> rounds, int workers, String prefix) {
        long roundMs = 0;
        long overheadMs = 0;
        long updateBytes = 0;
        double taskBytes = 0;
        long updates = 0;
        double computeMs = 0;
        double steps = 0;
        for (GlobalModel round : rounds) {
            RoundMetrics m = round.getMetrics();
            roundMs += m.getRoundMs();
            overheadMs += overheadMs(m, workers);
            updateBytes += m.getUpdateBytes();
            taskBytes += m.getCustom().getOrDefault("taskModelBytes", 0.0);
            updates += m.getClientsReported();
            Double roundSteps = m.getCustom().get("steps");
            if (roundSteps != null && roundSteps > 0) {
                steps += roundSteps;
                computeMs += (double) m.getMeanClientComputeMs() * m.getClientsReported();
            }
        }
        int n = rounds.size();
        Map<String, Object> totals = new LinkedHashMap<>();
        totals.putAll(measuredOverhead(rounds, prefix));
        totals.put(key(prefix, "rounds"), n);
        totals.put(key(prefix, "meanRoundSeconds"), n == 0 ? 0 : roundMs / 1000.0 / n);
        totals.put(key(prefix, "meanRoundOverheadSeconds"), n == 0 ? 0 : overheadMs / 1000.0 / n);
        totals.put(key(prefix, "meanRoundComputeSeconds"), n == 0 ? 0 : (roundMs - overheadMs) / 1000.0 / n);
        totals.put(key(prefix, "bytesPerClientUpdate"), updates == 0 ? 0 : updateBytes / updates);
        // The downlink's share of a client-round: the payload of the model its task carried.
        totals.put(key(prefix, "bytesPerClientTask"), updates == 0 ? 0 : Math.round(taskBytes / updates));
        // Client compute (data, local steps, evaluations) divided by local optimiser steps.
        totals.put(key(prefix, "computeMsPerStep"), steps == 0 ? Double.NaN : computeMs / steps);
        return totals;
    }

    /**
     * The rounds' measured time breakdown ({@link RoundBreakdown}): the mean seconds of each part and
     * the platform overhead's share of their summed wall time; nothing when no round has one.
     */
    static Map<String, Object> measuredOverhead(List<GlobalModel> rounds, String prefix) {
        List<RoundBreakdown> measured = rounds.stream().map(r -> RoundBreakdown.of(r.getMetrics()))
                .flatMap(java.util.Optional::stream).toList();
        Map<String, Object> totals = new LinkedHashMap<>();
        if (measured.isEmpty()) {
            return totals;
        }
        double wall = measured.stream().mapToDouble(RoundBreakdown::roundSeconds).sum();
        double overhead = measured.stream().mapToDouble(RoundBreakdown::overhead).sum();
        Map<String, Double> means = new LinkedHashMap<>();
        for (RoundBreakdown b : measured) {
            b.parts().forEach((part, seconds) -> means.merge(part, seconds / measured.size(), Double::sum));
        }
        totals.put(key(prefix, "measuredRounds"), measured.size());
        totals.put(key(prefix, "meanRoundPlatformOverheadSeconds"), overhead / measured.size());
        totals.put(key(prefix, "platformOverheadShare"), wall == 0 ? 0 : overhead / wall);
        totals.put(key(prefix, "meanRoundBreakdownSeconds"), means);
        return totals;
    }

    private static String key(String prefix, String name) {
        return prefix.isEmpty() ? name : prefix + Character.toUpperCase(name.charAt(0)) + name.substring(1);
    }

    private static String roundRow(String stage, GlobalModel round, JobOutcome outcome, int workers,
                                   String activeOperations) {
        RoundMetrics m = round.getMetrics();
        return String.join(",", stage, Integer.toString(round.getRound()),
                Integer.toString(m.getClientsReported()), Integer.toString(m.getClientsSelected()),
                String.format(Locale.ROOT, "%.4f", m.getGlobalValidationAccuracy()),
                String.format(Locale.ROOT, "%.4f", m.getValidationAccuracy()),
                String.format(Locale.ROOT, "%.4f", m.getTrainLoss()),
                Long.toString(m.getRoundMs()), Long.toString(m.getMeanClientComputeMs()),
                Long.toString(m.getMaxClientComputeMs()), Long.toString(overheadMs(m, workers)),
                Long.toString(m.getAggregationMs()), Long.toString(m.getUpdateBytes()),
                String.format(Locale.ROOT, "%.0f", m.getCustom().getOrDefault("steps", 0.0)),
                Long.toString(outcome.elapsedMs(round)), activeOperations,
                String.join(",", RoundBreakdown.of(m).map(RoundBreakdown::cells).orElseGet(RoundBreakdown::emptyCells)));
    }

    /** A model-ready figure formatted for a CSV cell, or empty when the model has none. */
    private static String figure(ModelReady model, String key, String format) {
        Double value = model.getMetrics().get(key);
        return value == null ? "" : String.format(Locale.ROOT, format, value);
    }

    public static void write(Path runDir, JobSpec spec, JobOutcome outcome, int workers) {
        try {
            Files.createDirectories(runDir);
            List<String> csv = new ArrayList<>();
            csv.add(ROUNDS_HEADER);
            String searchStage = spec.getModel().getFamily().equalsIgnoreCase("darts") ? "search" : "train";
            for (GlobalModel round : outcome.rounds()) {
                // The round searched in the mask published after the previous one (none before round 1).
                String active = outcome.maskAfterRound(round.getRound() - 1)
                        .map(mask -> Integer.toString(mask.getActiveOperations())).orElse("");
                csv.add(roundRow(searchStage, round, outcome, workers, active));
            }
            for (GlobalModel round : outcome.fineTuneRounds()) {
                csv.add(roundRow("fine-tune", round, outcome, workers, ""));
            }
            Files.write(runDir.resolve("rounds.csv"), csv);
            if (!outcome.masks().isEmpty()) {
                List<String> masks = new ArrayList<>();
                masks.add(MASKS_HEADER);
                for (ArchitectureMask mask : outcome.masks()) {
                    masks.add(String.join(",", Integer.toString(mask.getRound()),
                            String.format(Locale.ROOT, "%.4f", mask.getThreshold()),
                            Integer.toString(mask.getActiveOperations()), Integer.toString(mask.getDecayingOperations()),
                            Integer.toString(mask.getTotalOperations()), Integer.toString(mask.getActiveEdges()),
                            Csv.quoted(mask.getGenotype())));
                }
                Files.write(runDir.resolve("masks.csv"), masks);
            }
            if (!outcome.budgetModels().isEmpty()) {
                List<String> budgets = new ArrayList<>();
                budgets.add("macs_budget,macs,parameters,test_accuracy,validation_accuracy,architecture_dir");
                for (ModelReady m : outcome.budgetModels()) {
                    Double validation = m.getMetrics().get("validationAccuracy");
                    budgets.add(String.join(",", Long.toString(m.getMacsBudget()), Long.toString(m.getMacs()),
                            Long.toString(m.getParameterCount()), String.format(Locale.ROOT, "%.4f", m.getTestAccuracy()),
                            validation == null ? "" : String.format(Locale.ROOT, "%.4f", validation), m.getArtifactUri()));
                }
                Files.write(runDir.resolve("budgets.csv"), budgets);
            }
            if (!outcome.clientModels().isEmpty()) {
                List<String> clients = new ArrayList<>();
                clients.add("client,local_test_accuracy,local_test_loss,local_test_samples,parameters,architecture_dir,"
                        + "macs,device_tier,global_local_test_accuracy,held_out,parameter_free_share");
                outcome.clientModels().stream().sorted(java.util.Comparator.comparing(ModelReady::getClientId))
                        .forEach(m -> clients.add(String.join(",", Integer.toString(m.getClientId()),
                                String.format(Locale.ROOT, "%.4f", m.getTestAccuracy()),
                                String.format(Locale.ROOT, "%.4f", m.getTestLoss()),
                                Integer.toString(m.getTestSamples()), Long.toString(m.getParameterCount()),
                                m.getArtifactUri(), Long.toString(m.getMacs()),
                                figure(m, "deviceTier", "%.0f"), figure(m, "globalLocalTestAccuracy", "%.4f"),
                                figure(m, "heldOut", "%.0f"), figure(m, "parameterFreeShare", "%.4f"))));
                Files.write(runDir.resolve("clients.csv"), clients);
            }
            Map<String, Object> result = summary(spec, outcome, workers);
            result.put("job", JSON.readValue(spec.toString(), Map.class));
            JSON.writeValue(runDir.resolve("result.json").toFile(), result);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the run report to " + runDir, e);
        }
    }
}
