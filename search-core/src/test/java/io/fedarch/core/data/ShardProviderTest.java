package io.fedarch.core.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fedarch.events.DataSpec;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelSpec;
import io.fedarch.events.PartitionScheme;
import io.fedarch.events.PartitionSpec;

class ShardProviderTest {

    static JobSpec job(PartitionScheme scheme, int clients, int trainLimit, long seed) {
        return JobSpec.newBuilder()
                .setModel(ModelSpec.newBuilder().setOptions(Map.of()).build())
                .setData(DataSpec.newBuilder().setTrainLimit(trainLimit)
                        .setPartition(PartitionSpec.newBuilder().setScheme(scheme).setValidationFraction(0.1).build())
                        .build())
                .setTotalClients(clients).setClientsPerRound(clients).setSeed(seed)
                .build();
    }

    @Test
    void freshProvidersComputeIdenticalShards() {
        JobSpec spec = job(PartitionScheme.DIRICHLET, 5, 3000, 99);
        for (int client = 0; client < 5; client++) {
            ClientShard a = ShardProvider.withDefaults().shard(spec, client);
            ClientShard b = new ShardProvider(FashionMnist.DEFAULT_DIR, null).shard(spec, client);
            assertArrayEquals(a.train().labels(), b.train().labels());
            assertArrayEquals(a.train().pixels(), b.train().pixels());
            assertArrayEquals(a.validation().labels(), b.validation().labels());
            assertArrayEquals(a.validation().pixels(), b.validation().pixels());
        }
    }

    @Test
    void shardsSplitTheClientsPartitionIntoTrainAndValidation() {
        JobSpec spec = job(PartitionScheme.IID, 4, 2000, 5);
        ShardProvider provider = ShardProvider.withDefaults();
        int[][] partition = provider.partition(spec);
        int total = 0;
        for (int client = 0; client < 4; client++) {
            ClientShard shard = provider.shard(spec, client);
            int n = partition[client].length;
            assertEquals(n, shard.train().size() + shard.validation().size());
            assertEquals(Math.round(0.1 * n), shard.validation().size());
            total += shard.train().size() + shard.validation().size();
        }
        assertEquals(2000, total);
        assertThrows(IllegalArgumentException.class, () -> provider.shard(spec, 4));
    }

    @Test
    void siloDirectoryIsTheWholeShard(@TempDir Path silo) throws IOException {
        Path source = FashionMnist.DEFAULT_DIR.resolve("t10k-images-idx3-ubyte.gz");
        IdxFile.Images images = IdxFile.readImages(source, 200);
        int[] labels = IdxFile.readLabels(FashionMnist.DEFAULT_DIR.resolve("t10k-labels-idx1-ubyte.gz"), 200);
        try (DataOutputStream out = new DataOutputStream(Files.newOutputStream(silo.resolve("train-images-idx3-ubyte")))) {
            out.writeInt(IdxFile.IMAGES_MAGIC);
            out.writeInt(images.count());
            out.writeInt(images.rows());
            out.writeInt(images.cols());
            out.write(images.pixels());
        }
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(
                Files.newOutputStream(silo.resolve("train-labels-idx1-ubyte.gz"))))) {
            out.writeInt(IdxFile.LABELS_MAGIC);
            out.writeInt(labels.length);
            for (int label : labels) {
                out.writeByte(label);
            }
        }
        JobSpec spec = job(PartitionScheme.DIRICHLET, 10, 60000, 1);
        ClientShard shard = new ShardProvider(FashionMnist.DEFAULT_DIR, silo).shard(spec, 3);
        assertEquals(3, shard.clientId());
        assertEquals(180, shard.train().size());
        assertEquals(20, shard.validation().size());
        int[] counts = new int[10];
        for (int label : shard.train().labels()) {
            counts[label]++;
        }
        for (int label : shard.validation().labels()) {
            counts[label]++;
        }
        int[] expected = new int[10];
        for (int label : labels) {
            expected[label]++;
        }
        assertArrayEquals(expected, counts);
        assertTrue(new ShardProvider(FashionMnist.DEFAULT_DIR, silo).isSilo());
    }

    @Test
    void rejectsUnknownDatasets() {
        JobSpec spec = job(PartitionScheme.IID, 2, 100, 1);
        spec.getData().setDataset("cifar10");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ShardProvider.withDefaults().shard(spec, 0));
        assertTrue(e.getMessage().contains("fashion-mnist"));
    }
}
