package io.fedarch.core.darts;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A genotype as numbers, so a client can report the architecture it derived in its metrics
 * ({@code ClientMetrics.custom} holds numbers only): {@code genotype.<cell>.<gene>.op} is the
 * operation's column in the job's {@code ops}, {@code genotype.<cell>.<gene>.input} the state it
 * reads. Every intermediate node is concatenated (states 2..5), as {@link GenotypeDerivation} derives.
 */
public final class GenotypeMetrics {
    public static final String PREFIX = "genotype.";
    private static final int GENES = 2 * CellTopology.NODES;

    private GenotypeMetrics() {
    }

    /** @throws IllegalArgumentException when the genotype uses an operation outside {@code operations} */
    public static Map<String, Double> toMetrics(Genotype genotype, List<String> operations) {
        Map<String, Double> metrics = new HashMap<>();
        put(metrics, "normal", genotype.normal(), operations);
        put(metrics, "reduce", genotype.reduce(), operations);
        return metrics;
    }

    /**
     * The genotype a client reported.
     *
     * @throws IllegalArgumentException when a gene is missing, names no operation of {@code operations},
     *                                  or the genotype is not a valid DARTS architecture
     */
    public static Genotype fromMetrics(List<String> operations, Map<String, Double> metrics) {
        List<Integer> concat = new ArrayList<>();
        for (int state = 2; state < CellTopology.NODES + 2; state++) {
            concat.add(state);
        }
        return new Genotype(genes("normal", operations, metrics), concat, genes("reduce", operations, metrics), concat)
                .validate();
    }

    private static void put(Map<String, Double> metrics, String cell, List<Genotype.Gene> genes,
                            List<String> operations) {
        for (int g = 0; g < genes.size(); g++) {
            int op = operations.indexOf(genes.get(g).operation());
            if (op < 0) {
                throw new IllegalArgumentException(cell + " gene " + g + " uses " + genes.get(g).operation()
                        + ", not one of " + operations);
            }
            metrics.put(PREFIX + cell + "." + g + ".op", (double) op);
            metrics.put(PREFIX + cell + "." + g + ".input", (double) genes.get(g).input());
        }
    }

    private static List<Genotype.Gene> genes(String cell, List<String> operations, Map<String, Double> metrics) {
        List<Genotype.Gene> genes = new ArrayList<>();
        for (int g = 0; g < GENES; g++) {
            int op = whole(metrics, PREFIX + cell + "." + g + ".op");
            int input = whole(metrics, PREFIX + cell + "." + g + ".input");
            if (op < 0 || op >= operations.size()) {
                throw new IllegalArgumentException("reported " + PREFIX + cell + "." + g + ".op = " + op
                        + " names no operation of " + operations);
            }
            genes.add(new Genotype.Gene(operations.get(op), input));
        }
        return genes;
    }

    private static int whole(Map<String, Double> metrics, String key) {
        Double value = metrics == null ? null : metrics.get(key);
        if (value == null || value != Math.rint(value) || Math.abs(value) > 1e6) {
            throw new IllegalArgumentException("the reported genotype lacks a whole-number " + key + " (got " + value + ")");
        }
        return value.intValue();
    }

    /** The share of the genotype's operations without weights (pools and skip connections, as DARTS counts them). */
    public static double parameterFreeShare(Genotype genotype) {
        long free = 0;
        long all = 0;
        for (List<Genotype.Gene> genes : List.of(genotype.normal(), genotype.reduce())) {
            for (Genotype.Gene gene : genes) {
                Primitive op = Primitive.fromName(gene.operation());
                free += op.isPool() || op == Primitive.SKIP_CONNECT ? 1 : 0;
                all++;
            }
        }
        return all == 0 ? 0 : (double) free / all;
    }
}
