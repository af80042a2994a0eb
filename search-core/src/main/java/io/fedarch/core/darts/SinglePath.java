package io.fedarch.core.darts;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.fedarch.core.tensor.ModelParameters;

/**
 * A single-path subnet of the DARTS supernet: exactly one operation on every one of the 14 edges
 * of each cell type ('none' allowed), shared by all cells of the type, as PerFedRLNAS samples it.
 * Unlike a derived genotype, a node sums all its incoming edges (2 to 5, minus the 'none' ones).
 * It travels to a client as a one-hot {@link OperationMask} and comes back echoed in the client's
 * metrics ({@link #toMetrics()}), so the server always knows which subnet a result trained.
 *
 * @param operations the α column order (DARTS names)
 * @param normal     per edge (DARTS edge order) the column of its operation
 * @param reduce     the same for the reduction cell
 */
public record SinglePath(List<String> operations, int[] normal, int[] reduce) {
    /** Metric-key prefix of the echoed path: {@code path.normal.<edge>}, {@code path.reduce.<edge>}. */
    public static final String METRIC_PREFIX = "path.";
    /** The operations of each column order, looked up once (paths are costed by the thousand). */
    private static final Map<List<String>, Primitive[]> PRIMITIVES = new java.util.concurrent.ConcurrentHashMap<>();

    public SinglePath {
        operations = List.copyOf(operations);
        check("normal", normal, operations.size());
        check("reduce", reduce, operations.size());
        normal = normal.clone();
        reduce = reduce.clone();
    }

    private static void check(String cell, int[] choices, int ops) {
        if (choices == null || choices.length != CellTopology.EDGES) {
            throw new IllegalArgumentException("a single path needs one operation per edge (" + CellTopology.EDGES
                    + ") of the " + cell + " cell, got " + (choices == null ? "none" : choices.length));
        }
        for (int e = 0; e < choices.length; e++) {
            if (choices[e] < 0 || choices[e] >= ops) {
                throw new IllegalArgumentException(cell + " edge " + e + " names operation " + choices[e] + " of "
                        + ops);
            }
        }
    }

    public int[] choices(boolean reduction) {
        return (reduction ? reduce : normal).clone();
    }

    public Primitive operation(boolean reduction, int edge) {
        return PRIMITIVES.computeIfAbsent(operations, names -> names.stream().map(Primitive::fromName)
                .toArray(Primitive[]::new))[(reduction ? reduce : normal)[edge]];
    }

    /** The one-hot mask that makes the supernet's sparse path evaluate exactly this subnet. */
    public OperationMask toMask() {
        return new OperationMask(operations, oneHot(normal), oneHot(reduce));
    }

    private float[] oneHot(int[] choices) {
        float[] table = new float[CellTopology.EDGES * operations.size()];
        for (int e = 0; e < choices.length; e++) {
            table[e * operations.size() + choices[e]] = 1f;
        }
        return table;
    }

    /**
     * The path a one-hot mask selects.
     *
     * @throws IllegalArgumentException when some edge has not exactly one factor 1 and all others 0
     */
    public static SinglePath fromMask(OperationMask mask) {
        return new SinglePath(mask.operations(), choicesOf(mask, false), choicesOf(mask, true));
    }

    private static int[] choicesOf(OperationMask mask, boolean reduction) {
        float[][] rows = mask.rows(reduction);
        int[] choices = new int[rows.length];
        for (int e = 0; e < rows.length; e++) {
            int chosen = -1;
            for (int o = 0; o < rows[e].length; o++) {
                if (rows[e][o] == 1f && chosen < 0) {
                    chosen = o;
                } else if (rows[e][o] != 0f) {
                    throw new IllegalArgumentException("the mask is not a single path: " + (reduction ? "reduce" : "normal")
                            + " edge " + e + " has factors " + Arrays.toString(rows[e]));
                }
            }
            if (chosen < 0) {
                throw new IllegalArgumentException("the mask is not a single path: " + (reduction ? "reduce" : "normal")
                        + " edge " + e + " selects no operation");
            }
            choices[e] = chosen;
        }
        return choices;
    }

    /** The mask tables under {@code prefix} ({@code prefix.normal}, {@code prefix.reduce}), as a payload. */
    public ModelParameters toPayload(String prefix) {
        return new ModelParameters(toMask().toTensors(prefix));
    }

    public static SinglePath fromPayload(List<String> operations, ModelParameters payload, String prefix) {
        return fromMask(OperationMask.fromTensors(operations, payload, prefix));
    }

    /** The path as metrics (column indices as numbers), for a client to echo what it trained. */
    public Map<String, Double> toMetrics() {
        Map<String, Double> metrics = new HashMap<>();
        for (int e = 0; e < CellTopology.EDGES; e++) {
            metrics.put(METRIC_PREFIX + "normal." + e, (double) normal[e]);
            metrics.put(METRIC_PREFIX + "reduce." + e, (double) reduce[e]);
        }
        return metrics;
    }

    /**
     * The path a client echoed in its metrics.
     *
     * @throws IllegalArgumentException when an edge is missing or names no operation of {@code operations}
     */
    public static SinglePath fromMetrics(List<String> operations, Map<String, Double> metrics) {
        int[][] choices = new int[2][CellTopology.EDGES];
        for (int cell = 0; cell < 2; cell++) {
            String name = cell == 0 ? "normal" : "reduce";
            for (int e = 0; e < CellTopology.EDGES; e++) {
                Double value = metrics == null ? null : metrics.get(METRIC_PREFIX + name + "." + e);
                if (value == null || value != Math.rint(value)) {
                    throw new IllegalArgumentException("the reported path lacks a whole-number " + METRIC_PREFIX + name
                            + "." + e + " (got " + value + ")");
                }
                choices[cell][e] = value.intValue();
            }
        }
        return new SinglePath(operations, choices[0], choices[1]);
    }

    /**
     * JSON-ready form: per cell type the 14 edges as {@code {"from": state, "to": node state, "op": name}}
     * (states 0 and 1 are the cell inputs, 2..5 the nodes), 'none' edges included.
     */
    public Map<String, Object> describe() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("kind", "single-path");
        json.put("normal", edges(normal));
        json.put("reduce", edges(reduce));
        json.put("concat", List.of(2, 3, 4, 5));
        return json;
    }

    /** {@link #describe()} as JSON. */
    public String toJson() {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(describe());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write a path as JSON", e);
        }
    }

    private List<Map<String, Object>> edges(int[] choices) {
        List<Map<String, Object>> edges = new ArrayList<>();
        for (int node = 0; node < CellTopology.NODES; node++) {
            for (int source = 0; source <= node + 1; source++) {
                Map<String, Object> edge = new LinkedHashMap<>();
                edge.put("from", source);
                edge.put("to", node + 2);
                edge.put("op", operations.get(choices[CellTopology.edge(source, node)]));
                edges.add(edge);
            }
        }
        return edges;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SinglePath p && operations.equals(p.operations) && Arrays.equals(normal, p.normal)
                && Arrays.equals(reduce, p.reduce);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * operations.hashCode() + Arrays.hashCode(normal)) + Arrays.hashCode(reduce);
    }

    @Override
    public String toString() {
        return "SinglePath[normal=" + names(normal) + ", reduce=" + names(reduce) + "]";
    }

    private List<String> names(int[] choices) {
        return Arrays.stream(choices).mapToObj(operations::get).toList();
    }
}
