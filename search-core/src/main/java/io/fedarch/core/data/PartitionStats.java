package io.fedarch.core.data;

/** Measures how far a partition's clients are from the global label distribution. */
public final class PartitionStats {
    private PartitionStats() {
    }

    /**
     * Mean over clients of the total-variation distance between the client's label distribution
     * and the whole set's: 0 for a perfectly IID split, approaching 1 when clients hold disjoint
     * rare classes. Empty clients are skipped.
     */
    public static double meanLabelDistance(int[] labels, int[][] shards) {
        int classes = Partitioner.classCount(labels);
        double[] global = distribution(labels, null, classes);
        double total = 0;
        int counted = 0;
        for (int[] shard : shards) {
            if (shard.length == 0) {
                continue;
            }
            double[] local = distribution(labels, shard, classes);
            double tv = 0;
            for (int c = 0; c < classes; c++) {
                tv += Math.abs(local[c] - global[c]);
            }
            total += tv / 2;
            counted++;
        }
        return counted == 0 ? 0 : total / counted;
    }

    /** Number of distinct labels among the given sample indices. */
    public static int distinctClasses(int[] labels, int[] shard) {
        boolean[] seen = new boolean[Partitioner.classCount(labels)];
        int n = 0;
        for (int i : shard) {
            if (!seen[labels[i]]) {
                seen[labels[i]] = true;
                n++;
            }
        }
        return n;
    }

    private static double[] distribution(int[] labels, int[] subset, int classes) {
        double[] p = new double[classes];
        int n = subset == null ? labels.length : subset.length;
        for (int i = 0; i < n; i++) {
            p[labels[subset == null ? i : subset[i]]]++;
        }
        for (int c = 0; c < classes; c++) {
            p[c] /= n;
        }
        return p;
    }
}
