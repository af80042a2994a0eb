package io.fedarch.core.data;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

import io.fedarch.core.util.Seeds;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.events.DataFormat;
import io.fedarch.events.DataSpec;
import io.fedarch.events.InputShape;
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
            ImageDataset all = load(siloDir, siloTrainingFormat(), FashionMnist.Split.TRAIN, spec, data.getTrainLimit());
            int[] everything = new int[all.size()];
            Arrays.setAll(everything, i -> i);
            return split(all, everything, spec, clientId);
        }
        if (clientId < 0 || clientId >= spec.getTotalClients()) {
            throw new IllegalArgumentException("client " + clientId + " outside 0.." + (spec.getTotalClients() - 1));
        }
        Path dir = dataDir(spec);
        ImageDataset all = load(dir, data.getFormat(), FashionMnist.Split.TRAIN, spec, data.getTrainLimit());
        int[][] parts = partition(dir, all, spec);
        return split(all, parts[clientId], spec, clientId);
    }

    /** The held-out test set of the job's dataset (first {@code testLimit} images), for evaluating global models. */
    public ImageDataset testSet(JobSpec spec) {
        requireSupported(spec.getData());
        return load(dataDir(spec), spec.getData().getFormat(), FashionMnist.Split.TEST, spec,
                spec.getData().getTestLimit());
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
            // A silo may hold test files only (local evaluation of a model trained elsewhere): the format is the test split's.
            DataFormat format = siloFormat(FashionMnist.Split.TEST);
            if (format == null) {
                throw new IllegalArgumentException("silo directory " + siloDir + " has no test split: expected "
                        + FashionMnist.Split.TEST.imagesFile() + "[.gz] and " + FashionMnist.Split.TEST.labelsFile()
                        + "[.gz], or test/<class>/ image directories, for local evaluation");
            }
            return load(siloDir, format, FashionMnist.Split.TEST, spec, data.getTestLimit());
        }
        if (clientId < 0 || clientId >= spec.getTotalClients()) {
            throw new IllegalArgumentException("client " + clientId + " outside 0.." + (spec.getTotalClients() - 1));
        }
        Path dir = dataDir(spec);
        ImageDataset train = load(dir, data.getFormat(), FashionMnist.Split.TRAIN, spec, data.getTrainLimit());
        ImageDataset test = load(dir, data.getFormat(), FashionMnist.Split.TEST, spec, data.getTestLimit());
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
        ImageDataset all = load(dir, spec.getData().getFormat(), FashionMnist.Split.TRAIN, spec,
                spec.getData().getTrainLimit());
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

    /**
     * A split of {@code dir} read as {@code format}, as the job's network takes it: an image folder
     * converted to the model's input shape, IDX data checked to have it already.
     */
    private static ImageDataset load(Path dir, DataFormat format, FashionMnist.Split split, JobSpec spec,
            Integer limit) {
        InputShape shape = spec.getModel().getInputShape();
        ImageDataset data;
        if (format == DataFormat.IMAGEFOLDER) {
            data = ImageFolder.load(dir, split, shape.getChannels(), shape.getHeight(), shape.getWidth(), limit);
        } else {
            data = FashionMnist.load(dir, split, limit);
            if (data.channels() != shape.getChannels() || data.height() != shape.getHeight()
                    || data.width() != shape.getWidth()) {
                throw new IllegalArgumentException("IDX data in " + dir + " holds " + data.channels() + "x"
                        + data.height() + "x" + data.width() + " images but the model's inputShape is "
                        + shape.getChannels() + "x" + shape.getHeight() + "x" + shape.getWidth()
                        + "; only image folders are resized (data.format: imagefolder)");
            }
        }
        if (data.classes() > ModelFactory.CLASSES) {
            throw new IllegalArgumentException(dir + " has " + data.classes() + " classes; networks have "
                    + ModelFactory.CLASSES + " outputs");
        }
        return data;
    }

    /** The format of this worker's silo directory: IDX when its training files are there, else an image folder. */
    private DataFormat siloTrainingFormat() {
        DataFormat format = siloFormat(FashionMnist.Split.TRAIN);
        if (format == null) {
            throw new IllegalArgumentException("silo directory " + siloDir + " holds neither IDX training files ("
                    + FashionMnist.Split.TRAIN.imagesFile() + "[.gz], " + FashionMnist.Split.TRAIN.labelsFile()
                    + "[.gz]) nor an image folder (train/<class>/*.png|*.jpg|*.jpeg)");
        }
        return format;
    }

    /** The format of the silo directory's {@code split}: IDX files first, then class folders; null when neither. */
    private DataFormat siloFormat(FashionMnist.Split split) {
        if (FashionMnist.isPresent(siloDir, split)) {
            return DataFormat.IDX;
        }
        return ImageFolder.isPresent(siloDir, split) ? DataFormat.IMAGEFOLDER : null;
    }

    private static void requireSupported(DataSpec data) {
        if (data.getFormat() == DataFormat.IMAGEFOLDER) {
            return; // the dataset name only labels an image folder
        }
        String name = data.getDataset() == null ? "" : data.getDataset().toLowerCase(Locale.ROOT);
        if (!name.equals(SUPPORTED_DATASET)) {
            throw new IllegalArgumentException("unsupported dataset '" + data.getDataset() + "'; supported: "
                    + SUPPORTED_DATASET);
        }
    }
}
