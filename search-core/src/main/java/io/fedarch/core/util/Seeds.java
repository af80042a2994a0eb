package io.fedarch.core.util;

/**
 * Derives independent, reproducible seeds from a job seed and a few salts (client id, round, epoch…).
 * Any JVM computes the same derived seed, so workers stay interchangeable.
 */
public final class Seeds {
    private Seeds() {
    }

    /** Mixes {@code base} with each salt through SplitMix64, so nearby inputs give unrelated seeds. */
    public static long derive(long base, long... salts) {
        long h = mix(base);
        for (long salt : salts) {
            h = mix(h ^ mix(salt + 0x9E3779B97F4A7C15L));
        }
        return h;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Fisher–Yates shuffle in place, driven by {@code random}. */
    public static void shuffle(int[] values, java.util.Random random) {
        for (int i = values.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int tmp = values[i];
            values[i] = values[j];
            values[j] = tmp;
        }
    }
}
