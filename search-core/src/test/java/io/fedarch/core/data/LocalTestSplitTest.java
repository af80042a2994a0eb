package io.fedarch.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fedarch.events.JobSpec;
import io.fedarch.events.PartitionScheme;

class LocalTestSplitTest {
    private static final int TRAIN = 6000;
    private static final int TEST = 2000;

    private static JobSpec job(PartitionScheme scheme, int clients, long seed) {
        JobSpec spec = ShardProviderTest.job(scheme, clients, TRAIN, seed);
        spec.getData().setTestLimit(TEST);
        return spec;
    }

    private static int[] trainLabels() {
        return FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TRAIN, TRAIN).labels();
    }

    private static int[] testLabels() {
        return FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TEST, TEST).labels();
    }

    @Test
    void largestRemainderSumsExactlyAndSkipsZeroWeights() {
        assertArrayEquals(new int[] {4, 3, 3}, LocalTestSplit.largestRemainder(10, new long[] {1, 1, 1}));
        assertArrayEquals(new int[] {0, 2, 5}, LocalTestSplit.largestRemainder(7, new long[] {0, 2, 5}));
        assertArrayEquals(new int[] {2, 0, 1}, LocalTestSplit.largestRemainder(3, new long[] {5, 0, 3}));
    }

    @Test
    void everyTestImageGoesToOneClientInProportionToItsTrainingShare() {
        JobSpec spec = job(PartitionScheme.DIRICHLET, 8, 3);
        spec.getData().getPartition().setDirichletAlpha(0.5);
        int[] train = trainLabels();
        int[] test = testLabels();
        int[][] partition = ShardProvider.withDefaults().partition(spec);
        int[][] split = LocalTestSplit.split(train, partition, test, 17);

        int[] seen = new int[test.length];
        for (int[] indices : split) {
            for (int i : indices) {
                seen[i]++;
            }
        }
        for (int i = 0; i < test.length; i++) {
            assertEquals(1, seen[i], "test image " + i);
        }
        int[] testPerClass = new int[10];
        for (int label : test) {
            testPerClass[label]++;
        }
        for (int c = 0; c < 10; c++) {
            long[] trainCounts = new long[partition.length];
            for (int k = 0; k < partition.length; k++) {
                for (int i : partition[k]) {
                    trainCounts[k] += train[i] == c ? 1 : 0;
                }
            }
            long classTotal = Arrays.stream(trainCounts).sum();
            for (int k = 0; k < partition.length; k++) {
                int got = 0;
                for (int i : split[k]) {
                    got += test[i] == c ? 1 : 0;
                }
                double exact = (double) testPerClass[c] * trainCounts[k] / classTotal;
                assertTrue(Math.abs(got - exact) < 1, "client " + k + " class " + c + ": " + got + " vs " + exact);
                if (trainCounts[k] == 0) {
                    assertEquals(0, got);
                }
            }
        }
    }

    @Test
    void labelSkewClientsOnlyTestOnTheirOwnClasses() {
        JobSpec spec = job(PartitionScheme.LABEL_SKEW, 5, 11);
        ShardProvider provider = ShardProvider.withDefaults();
        int[] train = trainLabels();
        int[][] partition = provider.partition(spec);
        int total = 0;
        for (int k = 0; k < 5; k++) {
            boolean[] trained = new boolean[10];
            for (int i : partition[k]) {
                trained[train[i]] = true;
            }
            ImageDataset local = provider.localTestSet(spec, k);
            assertTrue(local.size() > 0);
            for (int label : local.labels()) {
                assertTrue(trained[label], "client " + k + " tests on untrained class " + label);
            }
            total += local.size();
        }
        assertEquals(TEST, total);
    }

    @Test
    void deterministicForASeedAndCheckedClientIds() {
        JobSpec spec = job(PartitionScheme.DIRICHLET, 4, 21);
        ImageDataset a = ShardProvider.withDefaults().localTestSet(spec, 2);
        ShardProvider provider = new ShardProvider(FashionMnist.DEFAULT_DIR, null);
        ImageDataset b = provider.localTestSet(spec, 2);
        assertArrayEquals(a.labels(), b.labels());
        assertArrayEquals(a.pixels(), b.pixels());
        assertArrayEquals(b.labels(), provider.localTestSet(spec, 2).labels());
        int[][] partition = provider.partition(spec);
        int[][] one = LocalTestSplit.split(trainLabels(), partition, testLabels(), 5);
        int[][] two = LocalTestSplit.split(trainLabels(), partition, testLabels(), 5);
        int[][] other = LocalTestSplit.split(trainLabels(), partition, testLabels(), 6);
        assertTrue(Arrays.deepEquals(one, two));
        assertFalse(Arrays.deepEquals(one, other));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> provider.localTestSet(spec, 4));
        assertTrue(e.getMessage().contains("client 4"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> provider.localTestSet(spec, -1));
    }

    @Test
    void siloUsesItsOwnTestFiles(@TempDir Path silo) throws Exception {
        JobSpec spec = job(PartitionScheme.IID, 3, 1);
        spec.getData().setTestLimit(100);
        ShardProvider provider = new ShardProvider(FashionMnist.DEFAULT_DIR, silo);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> provider.localTestSet(spec, 0));
        assertTrue(e.getMessage().contains("no test split") && e.getMessage().contains("t10k"), e.getMessage());
        for (String file : new String[] {"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
            Files.copy(FashionMnist.DEFAULT_DIR.resolve(file), silo.resolve(file));
        }
        ImageDataset local = provider.localTestSet(spec, 0);
        assertEquals(100, local.size());
        assertArrayEquals(Arrays.copyOf(testLabels(), 100), local.labels());
    }
}
