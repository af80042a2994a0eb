package io.fedarch.core.darts;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A discrete DARTS architecture, in DARTS's Genotype form: for each cell type, two (operation,
 * input state) pairs per intermediate node (node j's pairs at positions 2j and 2j+1; input states
 * 0 and 1 are the cell inputs, 2.. the earlier nodes), and the states concatenated into the output.
 * JSON form: {"normal":[["sep_conv_3x3",0],["skip_connect",1],...],"normal_concat":[2,3,4,5],
 * "reduce":[...],"reduce_concat":[2,3,4,5]}.
 */
public record Genotype(List<Gene> normal, List<Integer> normalConcat, List<Gene> reduce, List<Integer> reduceConcat) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One chosen edge: the operation and the state it reads. */
    public record Gene(String operation, int input) {
    }

    public Genotype {
        normal = List.copyOf(normal);
        normalConcat = List.copyOf(normalConcat);
        reduce = List.copyOf(reduce);
        reduceConcat = List.copyOf(reduceConcat);
    }

    /**
     * Checks the structure a derived network needs: every intermediate node has exactly two
     * inputs, from distinct earlier states, none of them 'none', all known operations, and the
     * concatenated states exist.
     *
     * @throws IllegalArgumentException naming the first problem
     */
    public Genotype validate() {
        validateCell("normal", normal, normalConcat);
        validateCell("reduce", reduce, reduceConcat);
        return this;
    }

    /** The most intermediate nodes a cell may have. */
    static final int MAX_NODES = 16;

    private static void validateCell(String cell, List<Gene> genes, List<Integer> concat) {
        if (genes.size() % 2 != 0 || genes.isEmpty()) {
            throw new IllegalArgumentException(cell + ": expected two inputs per node, got " + genes.size() + " genes");
        }
        int nodes = genes.size() / 2;
        if (nodes > MAX_NODES) {
            // DARTS cells have 4 nodes; a spec-sized cell would make a network no one can build.
            throw new IllegalArgumentException(cell + ": " + nodes + " nodes, at most " + MAX_NODES);
        }
        if (concat.size() > nodes + 2 || new java.util.HashSet<>(concat).size() != concat.size()) {
            throw new IllegalArgumentException(cell + "_concat must list distinct states, at most " + (nodes + 2));
        }
        for (int node = 0; node < nodes; node++) {
            Gene a = genes.get(2 * node);
            Gene b = genes.get(2 * node + 1);
            for (Gene g : List.of(a, b)) {
                Primitive op = Primitive.fromName(g.operation());
                if (op == Primitive.NONE) {
                    throw new IllegalArgumentException(cell + " node " + node + ": 'none' is not a valid choice");
                }
                if (g.input() < 0 || g.input() > node + 1) {
                    throw new IllegalArgumentException(cell + " node " + node + ": input " + g.input()
                            + " is not an earlier state (0.." + (node + 1) + ")");
                }
            }
            if (a.input() == b.input()) {
                throw new IllegalArgumentException(cell + " node " + node + ": both inputs read state " + a.input());
            }
        }
        if (concat.isEmpty()) {
            throw new IllegalArgumentException(cell + "_concat is empty");
        }
        for (int state : concat) {
            if (state < 0 || state >= nodes + 2) {
                throw new IllegalArgumentException(cell + "_concat names state " + state + " of " + (nodes + 2));
            }
        }
    }

    /** The DARTS JSON form. */
    public String toJson() {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("normal", pairs(normal));
        out.put("normal_concat", normalConcat);
        out.put("reduce", pairs(reduce));
        out.put("reduce_concat", reduceConcat);
        try {
            return JSON.writeValueAsString(out);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Parses the DARTS JSON form (does not validate; call {@link #validate()}).
     *
     * @throws IllegalArgumentException on malformed JSON
     */
    public static Genotype fromJson(String json) {
        try {
            JsonNode root = JSON.readTree(json);
            return new Genotype(genes(root, "normal"), ints(root, "normal_concat"), genes(root, "reduce"),
                    ints(root, "reduce_concat"));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("malformed genotype JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** As DARTS prints it: Genotype(normal=[('sep_conv_3x3', 0), ...], normal_concat=[2, 3, 4, 5], ...). */
    @Override
    public String toString() {
        return "Genotype(normal=" + python(normal) + ", normal_concat=" + normalConcat.toString()
                + ", reduce=" + python(reduce) + ", reduce_concat=" + reduceConcat.toString() + ")";
    }

    private static String python(List<Gene> genes) {
        return genes.stream().map(g -> "('" + g.operation() + "', " + g.input() + ")")
                .collect(Collectors.joining(", ", "[", "]"));
    }

    private static List<List<Object>> pairs(List<Gene> genes) {
        List<List<Object>> out = new ArrayList<>();
        for (Gene g : genes) {
            out.add(List.of(g.operation(), g.input()));
        }
        return out;
    }

    private static List<Gene> genes(JsonNode root, String field) {
        JsonNode array = require(root, field);
        List<Gene> genes = new ArrayList<>();
        for (JsonNode pair : array) {
            if (!pair.isArray() || pair.size() != 2 || !pair.get(0).isTextual() || !pair.get(1).isInt()) {
                throw new IllegalArgumentException(field + ": expected [operation, input] pairs, got " + pair);
            }
            genes.add(new Gene(pair.get(0).asText(), pair.get(1).asInt()));
        }
        return genes;
    }

    private static List<Integer> ints(JsonNode root, String field) {
        List<Integer> values = new ArrayList<>();
        for (JsonNode v : require(root, field)) {
            if (!v.isInt()) {
                throw new IllegalArgumentException(field + ": expected integers, got " + v);
            }
            values.add(v.asInt());
        }
        return values;
    }

    private static JsonNode require(JsonNode root, String field) {
        JsonNode node = root == null ? null : root.get(field);
        if (node == null || !node.isArray()) {
            throw new IllegalArgumentException("genotype JSON lacks the array '" + field + "'");
        }
        return node;
    }
}
