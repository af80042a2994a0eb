package io.fedarch.core.data;

import java.util.Arrays;
import java.util.Random;

import io.fedarch.core.util.Seeds;

/**
 * Label-distribution skew as in NIID-Bench (Li et al., 2022): for every class, the shares of its
 * samples across clients are drawn from Dir(alpha); smaller alpha gives more skewed clients.
 * A client already holding its fair share (N / clients) receives nothing more, which keeps shard
 * sizes bounded, and the whole draw is repeated until every client has at least
 * {@code minSamplesPerClient} samples.
 */
public final class DirichletPartitioner implements Partitioner {
    private static final int MAX_ATTEMPTS = 1000;

    private final double alpha;
    private final int minSamplesPerClient;

    public DirichletPartitioner(double alpha, int minSamplesPerClient) {
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("dirichletAlpha must be positive and finite, got " + alpha);
        }
        if (minSamplesPerClient < 0) {
            throw new IllegalArgumentException("minSamplesPerClient must be >= 0, got " + minSamplesPerClient);
        }
        this.alpha = alpha;
        this.minSamplesPerClient = minSamplesPerClient;
    }

    @Override
    public int[][] partition(int[] labels, int clients, long seed) {
        Partitioner.requireClients(clients, labels.length);
        if ((long) clients * minSamplesPerClient > labels.length) {
            throw new IllegalArgumentException(clients + " clients x minSamplesPerClient " + minSamplesPerClient
                    + " exceeds the " + labels.length + " available samples");
        }
        int[][] byClass = Partitioner.indicesByClass(labels);
        Random random = new Random(seed);
        for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
            int[][] shards = drawOnce(byClass, labels.length, clients, random);
            if (smallest(shards) >= minSamplesPerClient) {
                for (int[] shard : shards) {
                    Arrays.sort(shard);
                }
                return shards;
            }
        }
        throw new IllegalArgumentException("no Dirichlet(" + alpha + ") split over " + clients
                + " clients gave every client >= " + minSamplesPerClient + " samples in " + MAX_ATTEMPTS
                + " draws; raise alpha or lower minSamplesPerClient");
    }

    /**
     * One draw. Each sample's owner is recorded (O(samples + clients) memory, never clients ×
     * samples, which a job with many clients would make tens of GB), and shards are read off in
     * sample order, so each comes out sorted.
     */
    private int[][] drawOnce(int[][] byClass, int total, int clients, Random random) {
        int[] owner = new int[total];
        Arrays.fill(owner, -1);
        int[] sizes = new int[clients];
        double fairShare = (double) total / clients;
        for (int[] classIndices : byClass) {
            if (classIndices.length == 0) {
                continue;
            }
            int[] order = classIndices.clone();
            Seeds.shuffle(order, random);
            double[] p = GammaSampler.symmetricDirichlet(alpha, clients, random);
            double sum = 0;
            for (int k = 0; k < clients; k++) {
                if (sizes[k] >= fairShare) {
                    p[k] = 0;
                }
                sum += p[k];
            }
            if (sum <= 0) {
                // Every client is already full: fall back to an even split of this class.
                Arrays.fill(p, 1.0);
                sum = clients;
            }
            // Cut points at floor(cumulative share × n) hand each sample to exactly one client.
            double cumulative = 0;
            int start = 0;
            for (int k = 0; k < clients; k++) {
                cumulative += p[k] / sum;
                int end = k == clients - 1 ? order.length : Math.min(order.length, (int) (cumulative * order.length));
                for (int i = start; i < end; i++) {
                    owner[order[i]] = k;
                    sizes[k]++;
                }
                start = Math.max(start, end);
            }
        }
        int[][] shards = new int[clients][];
        for (int k = 0; k < clients; k++) {
            shards[k] = new int[sizes[k]];
        }
        int[] filled = new int[clients];
        for (int sample = 0; sample < total; sample++) {
            int k = owner[sample];
            if (k >= 0) {
                shards[k][filled[k]++] = sample;
            }
        }
        return shards;
    }

    private static int smallest(int[][] shards) {
        int min = Integer.MAX_VALUE;
        for (int[] shard : shards) {
            min = Math.min(min, shard.length);
        }
        return min;
    }
}
