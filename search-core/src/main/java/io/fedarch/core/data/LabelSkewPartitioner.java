package io.fedarch.core.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import io.fedarch.core.util.Seeds;

/**
 * Quantity-based label skew ("#C = k" in NIID-Bench): every client holds samples of exactly
 * {@code classesPerClient} classes, and each class is split evenly among the clients holding it.
 * Classes are dealt round-robin from a seeded permutation, so all classes are covered whenever
 * clients × k ≥ classes; fewer would leave samples unassigned, which is rejected.
 */
public final class LabelSkewPartitioner implements Partitioner {
    private final int classesPerClient;

    public LabelSkewPartitioner(int classesPerClient) {
        if (classesPerClient < 1) {
            throw new IllegalArgumentException("classesPerClient must be >= 1, got " + classesPerClient);
        }
        this.classesPerClient = classesPerClient;
    }

    @Override
    public int[][] partition(int[] labels, int clients, long seed) {
        Partitioner.requireClients(clients, labels.length);
        int[][] byClass = Partitioner.indicesByClass(labels);
        int classes = byClass.length;
        if (classesPerClient > classes) {
            throw new IllegalArgumentException("classesPerClient " + classesPerClient + " exceeds the "
                    + classes + " classes in the data");
        }
        if ((long) clients * classesPerClient < classes) {
            throw new IllegalArgumentException(clients + " clients x " + classesPerClient + " classes each cannot cover all "
                    + classes + " classes; raise classesPerClient or the number of clients");
        }
        Random random = new Random(seed);
        int[] classOrder = new int[classes];
        for (int c = 0; c < classes; c++) {
            classOrder[c] = c;
        }
        Seeds.shuffle(classOrder, random);

        // holders.get(c): the clients that hold class c, in client order.
        List<List<Integer>> holders = new ArrayList<>();
        for (int c = 0; c < classes; c++) {
            holders.add(new ArrayList<>());
        }
        int dealt = 0;
        for (int k = 0; k < clients; k++) {
            for (int j = 0; j < classesPerClient; j++) {
                holders.get(classOrder[dealt++ % classes]).add(k);
            }
        }

        List<List<Integer>> shards = new ArrayList<>();
        for (int k = 0; k < clients; k++) {
            shards.add(new ArrayList<>());
        }
        for (int c = 0; c < classes; c++) {
            int[] order = byClass[c].clone();
            Seeds.shuffle(order, random);
            List<Integer> owners = holders.get(c);
            int parts = owners.size();
            for (int part = 0; part < parts; part++) {
                int start = (int) ((long) order.length * part / parts);
                int end = (int) ((long) order.length * (part + 1) / parts);
                List<Integer> target = shards.get(owners.get(part));
                for (int i = start; i < end; i++) {
                    target.add(order[i]);
                }
            }
        }
        int[][] result = new int[clients][];
        for (int k = 0; k < clients; k++) {
            result[k] = shards.get(k).stream().mapToInt(Integer::intValue).toArray();
            Arrays.sort(result[k]);
        }
        return result;
    }
}
