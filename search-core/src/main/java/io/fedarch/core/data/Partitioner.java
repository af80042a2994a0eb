package io.fedarch.core.data;

/**
 * Splits a labelled training set across clients. Implementations are deterministic in
 * {@code seed} and assign every sample to exactly one client.
 */
public interface Partitioner {

    /**
     * @return one array of sample indices per client, each sorted ascending
     * @throws IllegalArgumentException when the split is impossible (e.g. too few samples)
     */
    int[][] partition(int[] labels, int clients, long seed);

    /** Number of classes, taken as the largest label plus one. */
    static int classCount(int[] labels) {
        int max = -1;
        for (int label : labels) {
            if (label < 0) {
                throw new IllegalArgumentException("negative label " + label);
            }
            max = Math.max(max, label);
        }
        return max + 1;
    }

    /** Indices of each class, in ascending order. */
    static int[][] indicesByClass(int[] labels) {
        return indicesByClass(labels, classCount(labels));
    }

    /** Indices of each of {@code classes} classes, in ascending order (empty for classes absent from labels). */
    static int[][] indicesByClass(int[] labels, int classes) {
        int[] counts = new int[classes];
        for (int label : labels) {
            counts[label]++;
        }
        int[][] byClass = new int[classes][];
        for (int c = 0; c < classes; c++) {
            byClass[c] = new int[counts[c]];
        }
        int[] fill = new int[classes];
        for (int i = 0; i < labels.length; i++) {
            byClass[labels[i]][fill[labels[i]]++] = i;
        }
        return byClass;
    }

    static void requireClients(int clients, int samples) {
        if (clients < 1) {
            throw new IllegalArgumentException("need at least one client, got " + clients);
        }
        if (clients > samples) {
            throw new IllegalArgumentException(clients + " clients but only " + samples + " samples");
        }
    }
}
