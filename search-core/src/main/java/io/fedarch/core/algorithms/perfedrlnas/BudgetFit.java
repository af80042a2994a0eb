package io.fedarch.core.algorithms.perfedrlnas;

import io.fedarch.core.darts.CellTopology;
import io.fedarch.core.darts.DartsOptions;
import io.fedarch.core.darts.PathCost;
import io.fedarch.core.darts.SinglePath;

/**
 * A client's final path must fit its device: the arg-max of its policy when that fits its memory
 * budget, otherwise the path reached from it by greedy swaps, each time replacing one edge's
 * operation by the one that gives up the least log-probability per byte of estimated training
 * memory saved, until it fits (or nothing smaller is left, then the smallest reached). The reference
 * never has to decide this (it exports genotypes, not per-device models).
 */
final class BudgetFit {
    private BudgetFit() {
    }

    static SinglePath fit(PolicyTable policies, int client, DartsOptions options, double budgetBytes, int batch) {
        SinglePath path = policies.argmax(client, options.operationNames());
        if (Double.isInfinite(budgetBytes)) {
            return path;
        }
        double[][][] logp = new double[2][][];
        for (int c = 0; c < 2; c++) {
            double[][] p = policies.probabilities(client, c == 1);
            logp[c] = new double[p.length][];
            for (int e = 0; e < p.length; e++) {
                logp[c][e] = new double[p[e].length];
                for (int o = 0; o < p[e].length; o++) {
                    logp[c][e][o] = Math.log(Math.max(p[e][o], 1e-300));
                }
            }
        }
        long memory = PathCost.of(options, path).peakTrainingBytes(batch);
        while (memory > budgetBytes) {
            SinglePath best = null;
            long bestMemory = memory;
            double bestScore = Double.POSITIVE_INFINITY;
            for (int c = 0; c < 2; c++) {
                int[] choices = path.choices(c == 1);
                for (int e = 0; e < CellTopology.EDGES; e++) {
                    for (int o = 0; o < options.operations().size(); o++) {
                        if (o == choices[e]) {
                            continue;
                        }
                        int[] swapped = choices.clone();
                        swapped[e] = o;
                        SinglePath candidate = c == 0 ? new SinglePath(path.operations(), swapped, path.choices(true))
                                : new SinglePath(path.operations(), path.choices(false), swapped);
                        long candidateMemory = PathCost.of(options, candidate).peakTrainingBytes(batch);
                        if (candidateMemory >= memory) {
                            continue;
                        }
                        double score = (logp[c][e][choices[e]] - logp[c][e][o]) / (memory - candidateMemory);
                        if (score < bestScore) {
                            bestScore = score;
                            best = candidate;
                            bestMemory = candidateMemory;
                        }
                    }
                }
            }
            if (best == null) {
                break;
            }
            path = best;
            memory = bestMemory;
        }
        return path;
    }
}
