package io.fedarch.core.data;

import java.util.Arrays;
import java.util.Random;

import io.fedarch.core.util.Seeds;

/**
 * Divides a shared test set among clients so each client's local test set follows its own
 * training label distribution — what personalised evaluation needs under non-IID partitions.
 * <p>
 * For every class c the class-c test images are shuffled (seeded per class) and dealt out in
 * proportion to each client's share of the class-c training samples, rounded by largest remainder
 * (ties to the lower client id) so the counts add up exactly. A client without class-c training
 * samples gets no class-c test images. Only when no client trains on class c at all (possible
 * with a training limit) are its test images shared in proportion to the clients' training-set
 * sizes, so that every test image still belongs to exactly one client.
 */
public final class LocalTestSplit {
    private static final long SALT = 0x4c4f4354L;

    private LocalTestSplit() {
    }

    /**
     * @param trainLabels the training labels the partition indexes into
     * @param partition   each client's training indices, as {@link Partitioner#partition} returns them
     * @param testLabels  the labels of the test set to divide
     * @return each client's indices into the test set, ascending; together they cover every test index once
     * @throws IllegalArgumentException on an empty partition list, out-of-range or negative indices/labels
     */
    public static int[][] split(int[] trainLabels, int[][] partition, int[] testLabels, long seed) {
        int clients = partition.length;
        if (clients < 1) {
            throw new IllegalArgumentException("need at least one client, got " + clients);
        }
        int classes = Math.max(Partitioner.classCount(trainLabels), Partitioner.classCount(testLabels));
        long[][] trainCounts = new long[classes][clients];
        long[] clientSizes = new long[clients];
        for (int k = 0; k < clients; k++) {
            for (int i : partition[k]) {
                if (i < 0 || i >= trainLabels.length) {
                    throw new IllegalArgumentException("client " + k + "'s partition names training index " + i
                            + " of " + trainLabels.length);
                }
                trainCounts[trainLabels[i]][k]++;
            }
            clientSizes[k] = partition[k].length;
        }
        int[][] testByClass = Partitioner.indicesByClass(testLabels, classes);
        int[][] assigned = new int[clients][];
        int[] fill = new int[clients];
        int[][] quotas = new int[classes][];
        int[] totals = new int[clients];
        for (int c = 0; c < classes; c++) {
            long[] weights = Arrays.stream(trainCounts[c]).sum() > 0 ? trainCounts[c] : clientSizes;
            quotas[c] = largestRemainder(testByClass[c].length, weights);
            for (int k = 0; k < clients; k++) {
                totals[k] += quotas[c][k];
            }
        }
        for (int k = 0; k < clients; k++) {
            assigned[k] = new int[totals[k]];
        }
        for (int c = 0; c < classes; c++) {
            int[] order = testByClass[c].clone();
            Seeds.shuffle(order, new Random(Seeds.derive(seed, SALT, c)));
            int next = 0;
            for (int k = 0; k < clients; k++) {
                System.arraycopy(order, next, assigned[k], fill[k], quotas[c][k]);
                fill[k] += quotas[c][k];
                next += quotas[c][k];
            }
        }
        for (int[] indices : assigned) {
            Arrays.sort(indices);
        }
        return assigned;
    }

    /**
     * {@code total} split in proportion to {@code weights}: floors of the exact shares, then one
     * more for the largest remainders (lower index first on ties). Zero weight gets zero; all-zero
     * weights split evenly.
     */
    static int[] largestRemainder(int total, long[] weights) {
        int n = weights.length;
        long sum = Arrays.stream(weights).sum();
        if (sum == 0) {
            weights = new long[n];
            Arrays.fill(weights, 1);
            sum = n;
        }
        int[] out = new int[n];
        long[] remainder = new long[n];
        int given = 0;
        for (int k = 0; k < n; k++) {
            long exact = total * weights[k];
            out[k] = (int) (exact / sum);
            remainder[k] = exact % sum;
            given += out[k];
        }
        Integer[] byRemainder = new Integer[n];
        Arrays.setAll(byRemainder, k -> k);
        final long[] r = remainder;
        Arrays.sort(byRemainder, (a, b) -> r[a] != r[b] ? Long.compare(r[b], r[a]) : Integer.compare(a, b));
        for (int j = 0; j < total - given; j++) {
            out[byRemainder[j]]++;
        }
        return out;
    }
}
