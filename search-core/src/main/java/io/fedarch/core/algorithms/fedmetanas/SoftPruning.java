package io.fedarch.core.algorithms.fedmetanas;

import io.fedarch.core.darts.SearchNetwork;
import io.fedarch.core.darts.CellTopology;
import io.fedarch.core.darts.Primitive;
import io.fedarch.core.darts.OperationMask;
import io.fedarch.core.darts.DartsOptions;
import io.fedarch.core.darts.GenotypeDerivation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import io.fedarch.core.tensor.ModelParameters;

/**
 * FedMetaNAS's soft pruning, run on the global α after every aggregated round: the search space
 * shrinks gradually towards the architecture the search converges to, and the next round's
 * clients skip what was pruned.
 * <p>
 * With p = softmax(α + log m) per edge (m the current keep factors) and the threshold θ annealed
 * linearly from 0 (after round {@code startRound}) to 1 (after round {@code endRound}):
 * <ul>
 *   <li>an operation is <em>weak</em> when p_o &lt; θ · (its edge's strongest non-'none' p); 'none'
 *       is also weak once θ = 1 (a discrete cell has no 'none' edges);</li>
 *   <li>node pruning: an intermediate node keeps its two strongest inputs (a DARTS node has two);
 *       each other incoming edge whose strength (strongest non-'none' p) is below θ · the node's
 *       second strongest is weak as a whole. Nodes themselves are never removed: every DARTS cell
 *       concatenates all four, and dropping one would change the next cell's input width, so the
 *       trained weights could not be kept.</li>
 * </ul>
 * Pruning is soft: a weak operation's factor drops by 1/{@code decayRounds} per round (its
 * probability fades as log m falls); one that is no longer weak recovers by as much; a factor that
 * reached 0 is pruned for good and never evaluated again. Once θ = 1 has held for
 * {@code decayRounds} rounds, the rounds that follow train exactly the discrete architecture, which
 * is then exported with its trained weights, without retraining.
 */
public final class SoftPruning {

    /**
     * @param startRound  threshold 0 in the mask computed after this round (nothing pruned before)
     * @param endRound    threshold 1 after this round
     * @param decayRounds rounds a weak operation takes to go from 1 to 0
     */
    public record Schedule(int startRound, int endRound, int decayRounds) {
        public Schedule {
            if (decayRounds < 1) {
                throw new IllegalArgumentException("pruneDecayRounds must be >= 1, got " + decayRounds);
            }
            if (startRound < 0 || endRound < startRound) {
                throw new IllegalArgumentException("the pruning schedule needs 0 <= pruneStartRound <= pruneEndRound, got "
                        + startRound + " and " + endRound);
            }
        }

        /**
         * The default for a search of {@code rounds}: threshold 0 after a quarter of the rounds and 1
         * after half of them, so the second half (less the decay rounds) trains the discrete
         * architecture. Measured (bench/results/fedmetanas-vs-fednas/README.md): with threshold 1 only two rounds
         * before the end, the exported network had too little training on its own path.
         */
        public static Schedule forRounds(int rounds, int decayRounds) {
            int end = Math.max(0, Math.min(rounds / 2, rounds - decayRounds));
            int start = Math.min(end, Math.max(1, Math.round(rounds / 4f)));
            return new Schedule(start, end, decayRounds);
        }

        /** θ of the mask computed after {@code round}. */
        public double threshold(int round) {
            if (round >= endRound) {
                return 1.0;
            }
            if (round <= startRound) {
                return 0.0;
            }
            return (double) (round - startRound) / (endRound - startRound);
        }
    }

    /** The next mask and the threshold that produced it. */
    public record Step(OperationMask mask, double threshold) {
    }

    private SoftPruning() {
    }

    /** From a darts-family global model and the mask its round searched in. */
    public static Step next(ModelParameters global, DartsOptions options, OperationMask previous, int round,
                            Schedule schedule) {
        int ops = options.operations().size();
        float[][] normal = GenotypeDerivation.table(global.get(SearchNetwork.ALPHA_NORMAL), ops);
        float[][] reduce = GenotypeDerivation.table(global.get(SearchNetwork.ALPHA_REDUCE), ops);
        return next(normal, reduce, previous.requireFits(options), round, schedule);
    }

    public static Step next(float[][] alphaNormal, float[][] alphaReduce, OperationMask previous, int round,
                            Schedule schedule) {
        double threshold = schedule.threshold(round);
        int none = previous.operations().indexOf(Primitive.NONE.dartsName());
        float step = 1f / schedule.decayRounds();
        float[][] normal = prune(alphaNormal, previous.rows(false), none, threshold, step);
        float[][] reduce = prune(alphaReduce, previous.rows(true), none, threshold, step);
        return new Step(OperationMask.of(previous.operations(), normal, reduce), threshold);
    }

    private static float[][] prune(float[][] alpha, float[][] factors, int none, double threshold, float step) {
        double[][] p = new double[alpha.length][];
        double[] strength = new double[alpha.length];
        for (int e = 0; e < alpha.length; e++) {
            p[e] = GenotypeDerivation.maskedSoftmax(alpha[e], factors[e]);
            for (int o = 0; o < p[e].length; o++) {
                if (o != none) {
                    strength[e] = Math.max(strength[e], p[e][o]);
                }
            }
        }
        boolean[] weakEdge = weakEdges(strength, threshold);
        float[][] next = new float[alpha.length][];
        for (int e = 0; e < alpha.length; e++) {
            next[e] = factors[e].clone();
            for (int o = 0; o < next[e].length; o++) {
                if (next[e][o] <= 0f) {
                    next[e][o] = 0f; // pruned for good
                    continue;
                }
                boolean weak = weakEdge[e] || p[e][o] < threshold * strength[e] || (o == none && threshold >= 1.0);
                next[e][o] = weak ? Math.max(0f, next[e][o] - step) : Math.min(1f, next[e][o] + step);
                if (next[e][o] < 1e-6f) {
                    next[e][o] = 0f;
                }
            }
        }
        return next;
    }

    /** Per node: every incoming edge outside the two strongest whose strength is below θ · the second strongest. */
    private static boolean[] weakEdges(double[] strength, double threshold) {
        boolean[] weak = new boolean[strength.length];
        for (int node = 0; node < CellTopology.NODES; node++) {
            List<Integer> inputs = new ArrayList<>();
            for (int source = 0; source < node + 2; source++) {
                inputs.add(CellTopology.edge(source, node));
            }
            // Strongest first; ties keep the lower input first, as genotype derivation does.
            inputs.sort(Comparator.comparingDouble((Integer e) -> -strength[e]));
            double second = strength[inputs.get(1)];
            for (int rank = 2; rank < inputs.size(); rank++) {
                int e = inputs.get(rank);
                weak[e] = strength[e] < threshold * second || threshold >= 1.0;
            }
        }
        return weak;
    }
}
