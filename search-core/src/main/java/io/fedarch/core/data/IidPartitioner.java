package io.fedarch.core.data;

import java.util.Arrays;
import java.util.Random;

import io.fedarch.core.util.Seeds;

/** Uniformly random split into shards whose sizes differ by at most one. */
public final class IidPartitioner implements Partitioner {

    @Override
    public int[][] partition(int[] labels, int clients, long seed) {
        Partitioner.requireClients(clients, labels.length);
        int[] order = new int[labels.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Seeds.shuffle(order, new Random(seed));
        int[][] shards = new int[clients][];
        int base = labels.length / clients;
        int extra = labels.length % clients;
        int start = 0;
        for (int k = 0; k < clients; k++) {
            int size = base + (k < extra ? 1 : 0);
            shards[k] = Arrays.copyOfRange(order, start, start + size);
            Arrays.sort(shards[k]);
            start += size;
        }
        return shards;
    }
}
