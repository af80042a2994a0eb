package io.fedarch.core.strategy.robust;

import java.util.Arrays;
import java.util.List;

import io.fedarch.core.strategy.ClientResult;
import io.fedarch.core.tensor.ModelParameters;

/**
 * Krum (Blanchard et al., 2017): the one client model whose n − f − 2 nearest neighbours are
 * closest (sum of squared L2 distances) becomes the global model; a hostile model far from the
 * honest cluster never wins while n > 2f + 2. {@code f} = 0 takes the largest f the round allows.
 */
public final class Krum implements RobustAggregator {
    private final int byzantineClients;

    public Krum(int byzantineClients) {
        if (byzantineClients < 0) {
            throw new IllegalArgumentException("robustAggregation.byzantineClients is " + byzantineClients
                    + "; it must be >= 0 (0 = the largest number the round's updates allow)");
        }
        this.byzantineClients = byzantineClients;
    }

    /** f for a round of {@code n} updates. */
    int tolerated(int n) {
        int largest = (n - 3) / 2;
        if (n < 3) {
            throw new IllegalArgumentException("Krum needs at least 3 updates per round, got " + n);
        }
        if (byzantineClients == 0) {
            return largest;
        }
        if (byzantineClients > largest) {
            throw new IllegalArgumentException("Krum with byzantineClients " + byzantineClients + " needs more than "
                    + (2 * byzantineClients + 2) + " updates per round, got " + n);
        }
        return byzantineClients;
    }

    @Override
    public ModelParameters aggregate(ModelParameters global, List<ClientResult> results) {
        return results.get(select(results)).parameters();
    }

    /** Index of the result Krum picks. */
    int select(List<ClientResult> results) {
        int n = results.size();
        int neighbours = n - tolerated(n) - 2;
        double[][] distance = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                distance[i][j] = distance[j][i] =
                        Coordinates.squaredDistance(results.get(i).parameters(), results.get(j).parameters());
            }
        }
        int best = -1;
        double bestScore = Double.POSITIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            double[] others = new double[n - 1];
            for (int j = 0, k = 0; j < n; j++) {
                if (j != i) {
                    others[k++] = distance[i][j];
                }
            }
            Arrays.sort(others);
            double score = 0;
            for (int k = 0; k < neighbours; k++) {
                score += others[k];
            }
            if (score < bestScore) {
                bestScore = score;
                best = i;
            }
        }
        return best;
    }
}
