package io.fedarch.core.algorithms.perfedrlnas;

import io.fedarch.core.strategy.DeviceProfiles;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fedarch.core.darts.CellTopology;
import io.fedarch.core.darts.DartsOptions;
import io.fedarch.core.darts.PathCost;
import io.fedarch.core.darts.SinglePath;
import io.fedarch.events.JobSpec;

/**
 * The final policies as files: {@code policies.csv} (one row per client, cell, edge and operation
 * with its probability) and {@code policies.json} (per client its device tier, best reported
 * accuracy, arg-max path, final path fitted to its memory budget with its size and cost, and the
 * probability tables).
 */
final class PolicyReport {
    private PolicyReport() {
    }

    static Map<String, String> files(JobSpec spec, DartsOptions options, PolicyTable policies) {
        StringBuilder csv = new StringBuilder("client,tier,cell,edge,from,to,operation,probability\n");
        List<Map<String, Object>> clients = new ArrayList<>();
        List<String> ops = options.operationNames();
        for (int client = 0; client < policies.clients(); client++) {
            int tier = DeviceProfiles.of(spec, client).tier();
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("clientId", client);
            entry.put("deviceTier", tier);
            double best = policies.best(client);
            entry.put("bestAccuracy", Double.isNaN(best) ? null : best);
            SinglePath argmax = policies.argmax(client, ops);
            SinglePath fitted = BudgetFit.fit(policies, client, options, DeviceProfiles.of(spec, client).memoryBytes(),
                    spec.getBatchSize());
            PathCost cost = PathCost.of(options, fitted);
            entry.put("argmaxPath", argmax.describe());
            entry.put("argmaxFitsBudget", argmax.equals(fitted));
            entry.put("finalPath", fitted.describe());
            entry.put("parameters", cost.parameters());
            entry.put("macs", cost.macs());
            entry.put("peakTrainingMemoryBytes", cost.peakTrainingBytes(spec.getBatchSize()));
            for (String cell : List.of("normal", "reduce")) {
                double[][] p = policies.probabilities(client, cell.equals("reduce"));
                entry.put(cell + "Probabilities", p);
                for (int node = 0; node < CellTopology.NODES; node++) {
                    for (int source = 0; source <= node + 1; source++) {
                        int edge = CellTopology.edge(source, node);
                        for (int o = 0; o < ops.size(); o++) {
                            csv.append(client).append(',').append(tier).append(',').append(cell).append(',')
                                    .append(edge).append(',').append(source).append(',').append(node + 2).append(',')
                                    .append(ops.get(o)).append(',')
                                    .append(String.format(Locale.ROOT, "%.6f", p[edge][o])).append('\n');
                        }
                    }
                }
            }
            clients.add(entry);
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("operations", ops);
        json.put("clients", clients);
        try {
            return Map.of("policies.csv", csv.toString(),
                    "policies.json", new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(json));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the policy report", e);
        }
    }
}
