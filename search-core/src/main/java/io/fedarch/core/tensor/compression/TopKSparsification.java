package io.fedarch.core.tensor.compression;

import java.util.Arrays;

/**
 * Keeps the k values of largest magnitude of a tensor (ties broken towards the lower position),
 * as their positions in increasing order. Per tensor, not across the model, so every layer gets
 * its share of each update; error feedback sends the rest later.
 */
public final class TopKSparsification {
    private TopKSparsification() {
    }

    /** k = ceil(fraction * n), at least 1 for a non-empty tensor and at most n. */
    public static int count(int n, double fraction) {
        if (n == 0) {
            return 0;
        }
        return (int) Math.max(1, Math.min(n, Math.ceil(fraction * n)));
    }

    /** The positions of the k largest |v|, strictly increasing. */
    public static int[] largest(float[] values, int k) {
        int n = values.length;
        if (k < 0 || k > n) {
            throw new IllegalArgumentException("k = " + k + " for " + n + " values");
        }
        if (k == 0) {
            return new int[0];
        }
        float[] magnitudes = new float[n];
        for (int i = 0; i < n; i++) {
            magnitudes[i] = Math.abs(values[i]);
        }
        float[] sorted = magnitudes.clone();
        Arrays.sort(sorted);
        float threshold = sorted[n - k];                   // the k-th largest magnitude
        int above = 0;
        for (float m : magnitudes) {
            if (m > threshold) {
                above++;
            }
        }
        int tiesWanted = k - above;
        int[] kept = new int[k];
        int j = 0;
        for (int i = 0; i < n && j < k; i++) {
            if (magnitudes[i] > threshold) {
                kept[j++] = i;
            } else if (magnitudes[i] == threshold && tiesWanted > 0) {
                kept[j++] = i;
                tiesWanted--;
            }
        }
        return kept;
    }
}
