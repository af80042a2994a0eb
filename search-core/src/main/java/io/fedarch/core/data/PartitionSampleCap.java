package io.fedarch.core.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

import io.fedarch.core.federation.SampleCountCap;
import io.fedarch.events.DataSpec;
import io.fedarch.events.JobSpec;
import io.fedarch.events.PartitionSpec;

/**
 * Each client's shard size, computed the way every worker computes it (the job's partition of the
 * dataset's training labels, seeded by the job): no honest client trains on more, so no update is
 * weighed more. Reads only the labels file (60 KB for Fashion-MNIST), once per partition. A job
 * whose dataset this host cannot read (another directory, or silo workers with data of their own)
 * has no cap.
 */
public final class PartitionSampleCap implements SampleCountCap {
    private static final int CACHED_PARTITIONS = 64;

    private final Path dataDir;
    private final Map<Key, int[]> sizes = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Key, int[]> eldest) {
            return size() > CACHED_PARTITIONS;
        }
    };

    private record Key(Integer trainLimit, PartitionSpec partition, int clients, long seed) {
    }

    /** @param dataDir the directory holding the dataset the workers read by default */
    public PartitionSampleCap(Path dataDir) {
        this.dataDir = Objects.requireNonNull(dataDir, "dataDir");
    }

    @Override
    public long cap(JobSpec spec, int clientId) {
        DataSpec data = spec.getData();
        boolean ownDirectory = data.getDataDir() != null && !data.getDataDir().isBlank()
                && !Path.of(data.getDataDir()).toAbsolutePath().normalize().equals(dataDir.toAbsolutePath().normalize());
        if (ownDirectory || clientId < 0 || clientId >= spec.getTotalClients()
                || !Files.isDirectory(dataDir) || !FashionMnist.isPresent(dataDir, FashionMnist.Split.TRAIN)) {
            return Long.MAX_VALUE;
        }
        Key key = new Key(data.getTrainLimit(), data.getPartition(), spec.getTotalClients(), spec.getSeed());
        int[] perClient;
        synchronized (sizes) {
            perClient = sizes.get(key);
        }
        if (perClient == null) {
            int[] labels = FashionMnist.labels(dataDir, FashionMnist.Split.TRAIN, data.getTrainLimit());
            int[][] parts = Partitioners.of(data.getPartition()).partition(labels, spec.getTotalClients(),
                    spec.getSeed());
            perClient = new int[parts.length];
            for (int k = 0; k < parts.length; k++) {
                perClient[k] = parts[k].length;
            }
            synchronized (sizes) {
                sizes.put(key, perClient);
            }
        }
        return perClient[clientId];
    }
}
