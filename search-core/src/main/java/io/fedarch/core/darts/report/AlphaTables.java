package io.fedarch.core.darts.report;

import io.fedarch.core.darts.SearchNetwork;
import io.fedarch.core.darts.CellTopology;
import io.fedarch.core.darts.DartsOptions;
import io.fedarch.core.darts.GenotypeDerivation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;

/**
 * Exports a darts model's architecture weights ({@value SearchNetwork#ALPHA_NORMAL},
 * {@value SearchNetwork#ALPHA_REDUCE}) as tables people and plotting tools can read: the raw α and
 * the per-edge softmax the derivation ranks by, each row labelled with the DARTS edge number and the
 * states it joins (from = input state 0..4, to = target state 2..5, as {@link CellTopology} numbers
 * them).
 * <p>
 * JSON: {@code {"operations":[...],"edges":[{"edge":0,"from":0,"to":2},...],
 * "normal":{"alpha":[[...]],"softmax":[[...]]},"reduce":{...}}}. CSV: header
 * {@code cell,edge,from,to,operation,alpha,weight}, one row per cell × edge × operation.
 */
public final class AlphaTables {
    public static final String JSON_FILE = "alphas.json";
    public static final String CSV_FILE = "alphas.csv";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] CELLS = {"normal", "reduce"};

    private AlphaTables() {
    }

    /** One edge of a cell: its DARTS index, input state and target state. */
    public record Edge(int edge, int from, int to) {
    }

    /** The 14 edges in DARTS (α row) order, from {@link CellTopology#edge}. */
    public static List<Edge> edges() {
        Edge[] edges = new Edge[CellTopology.EDGES];
        for (int node = 0; node < CellTopology.NODES; node++) {
            for (int source = 0; source <= node + 1; source++) {
                int e = CellTopology.edge(source, node);
                edges[e] = new Edge(e, source, node + 2);
            }
        }
        return List.of(edges);
    }

    /**
     * @throws IllegalArgumentException when a table is missing or its shape is not 14 × the options' operations
     */
    public static String json(ModelParameters model, DartsOptions options) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("operations", options.operationNames());
        List<Map<String, Integer>> edges = new ArrayList<>();
        for (Edge e : edges()) {
            Map<String, Integer> m = new LinkedHashMap<>();
            m.put("edge", e.edge());
            m.put("from", e.from());
            m.put("to", e.to());
            edges.add(m);
        }
        out.put("edges", edges);
        for (String cell : CELLS) {
            float[][] alpha = table(model, cell, options);
            double[][] softmax = new double[alpha.length][];
            for (int e = 0; e < alpha.length; e++) {
                softmax[e] = GenotypeDerivation.softmax(alpha[e]);
            }
            Map<String, Object> tables = new LinkedHashMap<>();
            tables.put("alpha", alpha);
            tables.put("softmax", softmax);
            out.put(cell, tables);
        }
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(out);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * @throws IllegalArgumentException when a table is missing or its shape is not 14 × the options' operations
     */
    public static String csv(ModelParameters model, DartsOptions options) {
        List<String> ops = options.operationNames();
        List<Edge> edges = edges();
        StringBuilder out = new StringBuilder("cell,edge,from,to,operation,alpha,weight\n");
        for (String cell : CELLS) {
            float[][] alpha = table(model, cell, options);
            for (Edge e : edges) {
                double[] weight = GenotypeDerivation.softmax(alpha[e.edge()]);
                for (int k = 0; k < ops.size(); k++) {
                    out.append(cell).append(',').append(e.edge()).append(',').append(e.from()).append(',')
                            .append(e.to()).append(',').append(ops.get(k)).append(',')
                            .append(Float.toString(alpha[e.edge()][k])).append(',')
                            .append(Double.toString(weight[k])).append('\n');
                }
            }
        }
        return out.toString();
    }

    /** Writes {@value #JSON_FILE} and {@value #CSV_FILE} into {@code dir} (created if needed). */
    public static void write(Path dir, ModelParameters model, DartsOptions options) {
        String json = json(model, options);
        String csv = csv(model, options);
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(JSON_FILE), json, StandardCharsets.UTF_8);
            Files.writeString(dir.resolve(CSV_FILE), csv, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write α tables into " + dir, e);
        }
    }

    private static float[][] table(ModelParameters model, String cell, DartsOptions options) {
        String name = cell.equals("normal") ? SearchNetwork.ALPHA_NORMAL : SearchNetwork.ALPHA_REDUCE;
        if (!model.contains(name)) {
            throw new IllegalArgumentException("model has no architecture weights '" + name
                    + "' (not a darts model?); tensors: " + model.names());
        }
        NamedTensor tensor = model.get(name);
        int columns = options.operationNames().size();
        int[] shape = tensor.shape();
        if (shape.length != 2 || shape[0] != CellTopology.EDGES || shape[1] != columns) {
            throw new IllegalArgumentException(name + " has shape " + Arrays.toString(shape) + " but the darts"
                    + " options expect [" + CellTopology.EDGES + ", " + columns + "] (edges × operations "
                    + options.operationNames() + ")");
        }
        float[][] rows = new float[shape[0]][];
        for (int r = 0; r < shape[0]; r++) {
            rows[r] = Arrays.copyOfRange(tensor.values(), r * columns, (r + 1) * columns);
        }
        return rows;
    }
}
