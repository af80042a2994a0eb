package io.fedarch.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fedarch.events.PartitionScheme;
import io.fedarch.events.PartitionSpec;

class PartitionerTest {
    private static int[] labels;

    @BeforeAll
    static void loadLabels() {
        labels = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TRAIN, 6000).labels();
    }

    private static List<Partitioner> all() {
        return List.of(new IidPartitioner(), new DirichletPartitioner(0.5, 10), new LabelSkewPartitioner(2));
    }

    @Test
    void everySampleIsAssignedToExactlyOneClient() {
        for (Partitioner p : all()) {
            int[][] shards = p.partition(labels, 10, 7);
            assertEquals(10, shards.length);
            int[] owners = new int[labels.length];
            for (int[] shard : shards) {
                for (int i : shard) {
                    owners[i]++;
                }
            }
            for (int i = 0; i < owners.length; i++) {
                assertEquals(1, owners[i], p.getClass().getSimpleName() + ": sample " + i);
            }
        }
    }

    @Test
    void sameSeedGivesSameShardsAndOtherSeedsDiffer() {
        for (Partitioner p : all()) {
            int[][] a = p.partition(labels, 10, 123);
            int[][] b = p.partition(labels, 10, 123);
            int[][] c = p.partition(labels, 10, 124);
            assertTrue(Arrays.deepEquals(a, b), p.getClass().getSimpleName());
            assertFalse(Arrays.deepEquals(a, c), p.getClass().getSimpleName());
        }
    }

    @Test
    void skewGrowsAsAlphaFalls() {
        double iid = PartitionStats.meanLabelDistance(labels, new IidPartitioner().partition(labels, 10, 1));
        double a100 = PartitionStats.meanLabelDistance(labels, new DirichletPartitioner(100, 10).partition(labels, 10, 1));
        double a05 = PartitionStats.meanLabelDistance(labels, new DirichletPartitioner(0.5, 10).partition(labels, 10, 1));
        double a01 = PartitionStats.meanLabelDistance(labels, new DirichletPartitioner(0.1, 10).partition(labels, 10, 1));
        assertTrue(iid < 0.05, "IID distance " + iid);
        assertTrue(a100 < 0.1, "alpha 100 distance " + a100);
        assertTrue(a100 < a05 && a05 < a01, a100 + " < " + a05 + " < " + a01);
        assertTrue(a01 > 0.5, "alpha 0.1 should be strongly skewed, got " + a01);
    }

    @Test
    void dirichletRespectsMinimumShardSize() {
        int[][] shards = new DirichletPartitioner(0.1, 100).partition(labels, 10, 3);
        for (int[] shard : shards) {
            assertTrue(shard.length >= 100, "shard of " + shard.length);
        }
        assertThrows(IllegalArgumentException.class, () -> new DirichletPartitioner(0.5, 1000).partition(labels, 10, 3));
        assertThrows(IllegalArgumentException.class, () -> new DirichletPartitioner(0, 10));
    }

    @Test
    void labelSkewClientsHoldAtMostKClassesAndCoverAll() {
        for (int clients : new int[] {3, 5, 10, 20}) {
            int k = clients == 3 ? 4 : 2;
            int[][] shards = new LabelSkewPartitioner(k).partition(labels, clients, 11);
            boolean[] covered = new boolean[10];
            for (int[] shard : shards) {
                assertTrue(PartitionStats.distinctClasses(labels, shard) <= k);
                for (int i : shard) {
                    covered[labels[i]] = true;
                }
            }
            for (int c = 0; c < 10; c++) {
                assertTrue(covered[c], "class " + c + " uncovered with " + clients + " clients");
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new LabelSkewPartitioner(2).partition(labels, 4, 1));
    }

    @Test
    void iidShardSizesDifferByAtMostOne() {
        int[][] shards = new IidPartitioner().partition(labels, 7, 5);
        int min = Arrays.stream(shards).mapToInt(s -> s.length).min().orElseThrow();
        int max = Arrays.stream(shards).mapToInt(s -> s.length).max().orElseThrow();
        assertTrue(max - min <= 1);
        for (int[] shard : shards) {
            int[] sorted = shard.clone();
            Arrays.sort(sorted);
            assertArrayEquals(sorted, shard);
        }
    }

    @Test
    void factoryFollowsTheSpec() {
        assertTrue(Partitioners.of(PartitionSpec.newBuilder().setScheme(PartitionScheme.IID).build()) instanceof IidPartitioner);
        assertTrue(Partitioners.of(PartitionSpec.newBuilder().build()) instanceof DirichletPartitioner);
        assertTrue(Partitioners.of(PartitionSpec.newBuilder().setScheme(PartitionScheme.LABEL_SKEW).build())
                instanceof LabelSkewPartitioner);
    }

    /**
     * Review H7: the Dirichlet draw held clients × samples ints (40,000 × 60,000 = 9.6 GB here, above
     * the test JVM's default heap of a quarter of the memory); it records each sample's owner instead.
     */
    @Test
    void aDirichletSplitOverManyClientsNeedsMemoryForTheSamplesOnly() {
        int[] labels = new int[60_000];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 10;
        }
        int[][] shards = new DirichletPartitioner(0.5, 0).partition(labels, 40_000, 1);
        assertEquals(40_000, shards.length);
        assertEquals(60_000, java.util.Arrays.stream(shards).mapToInt(s -> s.length).sum());
        for (int[] shard : shards) {
            for (int k = 1; k < shard.length; k++) {
                org.junit.jupiter.api.Assertions.assertTrue(shard[k - 1] < shard[k], "each shard sorted, no duplicates");
            }
        }
    }
}
