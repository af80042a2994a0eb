package io.fedarch.core.data;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

import io.fedarch.core.util.Seeds;
import io.fedarch.events.DataSpec;
import io.fedarch.events.JobSpec;
import io.fedarch.events.PartitionSpec;

/**
 * Computes a client's shard from the job spec alone, so any worker can serve any client and gets
 * the same data: load the training set, partition it with the job's seed, then hold out the
 * client's validation split with a seeded shuffle.
 * <p>
 * A worker pinned to a <em>silo directory</em> instead owns that directory's training files
 * outright (real cross-silo deployments): its shard is all of them, split into train/validation,
 * with no partitioning.
 * <p>
 * For personalised evaluation each client also has a local test set ({@link #localTestSet}): its
 * label-matched share of the job's test set, or a silo's own test files.
 */
public final class ShardProvider {
    public static final String SUPPORTED_DATASET = "fashion-mnist";
    private static final long VALIDATION_SALT = 0x56414c49L;
    private static final long LOCAL_TEST_SALT = 0x54455354L;
    private static final int PARTITION_CACHE_ENTRIES = 4;

    private final Path defaultDataDir;
    private final Path siloDir;
    private final Map<PartitionKey, int[][]> partitions = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<PartitionKey, int[][]> eldest) {
            return size() > PARTITION_CACHE_ENTRIES;
        }
    };

    private final Map<LocalTestKey, int[][]> localTests = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<LocalTestKey, int[][]> eldest) {
            return size() > PARTITION_CACHE_ENTRIES;
        }
    };

    private record LocalTestKey(PartitionKey partition, Integer testLimit) {
    }

    private record PartitionKey(Path dir, Integer trainLimit, PartitionSpec partition, int clients, long seed) {
    }

    /**
     * @param defaultDataDir where the dataset lives unless a job overrides it
     * @param siloDir        this worker's own data directory, or null for a partitioned shared dataset
     */
    public ShardProvider(Path defaultDataDir, Path siloDir) {
        this.defaultDataDir = Objects.requireNonNull(defaultDataDir, "defaultDataDir");
        this.siloDir = siloDir;
    }

    /** A provider reading the shared dataset from {@link FashionMnist#DEFAULT_DIR}. */
    public static ShardProvider withDefaults() {
        return new ShardProvider(FashionMnist.DEFAULT_DIR, null);
    }

    public boolean isSilo() {
        return siloDir != null;
    }

    /** The dataset directory a job reads: its override, else this worker's default. */
    public Path dataDir(JobSpec spec) {
        String override = spec.getData().getDataDir();
        return override == null || override.isBlank() ? defaultDataDir : Path.of(override);
    }

    /** The client's train and validation splits for this job. */
    public ClientShard shard(JobSpec spec, int clientId) {
        DataSpec data = spec.getData();
        requireSupported(data);
        if (siloDir != null) {
            ImageDataset all = FashionMnist.load(siloDir, FashionMnist.Split.TRAIN, data.getTrainLimit());
            int[] everything = new int[all.size()];
            Arrays.setAll(everything, i -> i);
            return split(all, everything, spec, clientId);
        }
        if (clientId < 0 || clientId >= spec.getTotalClients()) {
            throw new IllegalArgumentException("client " + clientId + " outside 0.." + (spec.getTotalClients() - 1));
        }
        Path dir = dataDir(spec);
        ImageDataset all = FashionMnist.load(dir, FashionMnist.Split.TRAIN, data.getTrainLimit());
        int[][] parts = partition(dir, all, spec);
        return split(all, parts[clientId], spec, clientId);
    }

    /** The held-out test set of the job's dataset (first {@code testLimit} images), for evaluating global models. */
    public ImageDataset testSet(JobSpec spec) {
        requireSupported(spec.getData());
        return FashionMnist.load(dataDir(spec), FashionMnist.Split.TEST, spec.getData().getTestLimit());
    }

    /**
     * The client's own test set for personalised evaluation: the job's test set (first
     * {@code testLimit} images) divided among the clients by {@link LocalTestSplit}, so it follows
     * the client's training label distribution; cached like the partition. A silo worker returns
     * its silo directory's own test split instead.
     *
     * @throws IllegalArgumentException for a client outside the job, or a silo directory without test files
     */
    public ImageDataset localTestSet(JobSpec spec, int clientId) {
        DataSpec data = spec.getData();
        requireSupported(data);
        if (siloDir != null) {
            if (!FashionMnist.isPresent(siloDir, FashionMnist.Split.TEST)) {
                throw new IllegalArgumentException("silo directory " + siloDir + " has no test split: expected "
                        + FashionMnist.Split.TEST.imagesFile() + "[.gz] and " + FashionMnist.Split.TEST.labelsFile()
                        + "[.gz] for local evaluation");
            }
            return FashionMnist.load(siloDir, FashionMnist.Split.TEST, data.getTestLimit());
        }
        if (clientId < 0 || clientId >= spec.getTotalClients()) {
            throw new IllegalArgumentException("client " + clientId + " outside 0.." + (spec.getTotalClients() - 1));
        }
        Path dir = dataDir(spec);
        ImageDataset train = FashionMnist.load(dir, FashionMnist.Split.TRAIN, data.getTrainLimit());
        ImageDataset test = FashionMnist.load(dir, FashionMnist.Split.TEST, data.getTestLimit());
        LocalTestKey key = new LocalTestKey(partitionKey(dir, spec), data.getTestLimit());
        int[][] split;
        synchronized (localTests) {
            split = localTests.get(key);
        }
        if (split == null) {
            int[][] parts = partition(dir, train, spec);
            split = LocalTestSplit.split(train.labels(), parts, test.labels(),
                    Seeds.derive(spec.getSeed(), LOCAL_TEST_SALT));
            synchronized (localTests) {
                localTests.put(key, split);
            }
        }
        return test.select(split[clientId]);
    }

    /** Every client's sample indices into the training set (the cached partition). */
    public int[][] partition(JobSpec spec) {
        requireSupported(spec.getData());
        Path dir = dataDir(spec);
        ImageDataset all = FashionMnist.load(dir, FashionMnist.Split.TRAIN, spec.getData().getTrainLimit());
        int[][] parts = partition(dir, all, spec);
        int[][] copy = new int[parts.length][];
        for (int k = 0; k < parts.length; k++) {
            copy[k] = parts[k].clone();
        }
        return copy;
    }

    private int[][] partition(Path dir, ImageDataset all, JobSpec spec) {
        PartitionKey key = partitionKey(dir, spec);
        synchronized (partitions) {
            int[][] parts = partitions.get(key);
            if (parts == null) {
                parts = Partitioners.of(spec.getData().getPartition())
                        .partition(all.labels(), spec.getTotalClients(), spec.getSeed());
                partitions.put(key, parts);
            }
            return parts;
        }
    }

    private static PartitionKey partitionKey(Path dir, JobSpec spec) {
        DataSpec data = spec.getData();
        return new PartitionKey(dir.toAbsolutePath().normalize(), data.getTrainLimit(), data.getPartition(),
                spec.getTotalClients(), spec.getSeed());
    }

    private static ClientShard split(ImageDataset all, int[] indices, JobSpec spec, int clientId) {
        double fraction = spec.getData().getPartition().getValidationFraction();
        if (!(fraction >= 0 && fraction < 1)) {
            throw new IllegalArgumentException("validationFraction must be in [0, 1), got " + fraction);
        }
        int[] order = indices.clone();
        Seeds.shuffle(order, new Random(Seeds.derive(spec.getSeed(), clientId, VALIDATION_SALT)));
        int validation = (int) Math.round(fraction * order.length);
        if (fraction > 0 && order.length >= 2) {
            // Keep at least one sample on each side so both splits can be evaluated.
            validation = Math.min(Math.max(validation, 1), order.length - 1);
        }
        int[] validationIdx = Arrays.copyOfRange(order, 0, validation);
        int[] trainIdx = Arrays.copyOfRange(order, validation, order.length);
        return new ClientShard(clientId, all.select(trainIdx), all.select(validationIdx));
    }

    private static void requireSupported(DataSpec data) {
        String name = data.getDataset() == null ? "" : data.getDataset().toLowerCase(Locale.ROOT);
        if (!name.equals(SUPPORTED_DATASET)) {
            throw new IllegalArgumentException("unsupported dataset '" + data.getDataset() + "'; supported: "
                    + SUPPORTED_DATASET);
        }
    }
}
