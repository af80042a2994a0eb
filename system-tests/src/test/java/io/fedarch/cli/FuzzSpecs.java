package io.fedarch.cli;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.function.BiConsumer;

import io.fedarch.events.AsyncAggregation;
import io.fedarch.events.DType;
import io.fedarch.events.JobSpec;
import io.fedarch.events.JobSubmitted;
import io.fedarch.events.ModelSpec;

/**
 * Seeded adversarial job specs that are nevertheless well-formed: every one is a valid Avro
 * JobSubmitted of the current schema, so it passes decoding and reaches the services' own checks.
 * Each comes from a hostile category (sizes far past the limits, values near a type's maximum,
 * negative counts, unknown names, models whose checkpoint cannot be written, runtime traps) with
 * the outcome the system owes it: refused at submission with a dead letter, or accepted and then
 * ended by a service with a reason (FAILED, or its delivery refused with a dead letter).
 */
final class FuzzSpecs {
    /** What the system owes a spec. */
    enum Expected {
        /** A dead letter from fedarch.jobs: the coordinator refuses it before allocating anything. */
        REFUSED_AT_SUBMISSION,
        /** Accepted (every field is within bounds) but the job cannot go well: SearchCompleted FAILED with a reason. */
        FAILED_AT_RUNTIME,
        /** It runs, but the pruning service refuses to deliver its model: a dead letter from fedarch.search-completions. */
        DELIVERY_REFUSED
    }

    /** One hostile submission. */
    record Hostile(String category, Expected expected, JobSubmitted event) {
        String jobId() {
            return event.getJobId();
        }
    }

    private record Category(String name, Expected expected, BiConsumer<JobSpec, Random> hostility) {
    }

    private final JobSpec base;
    private final String foreignDataDir;
    private final long seed;
    private final List<Category> refused = new ArrayList<>();
    private final List<Category> runtime = new ArrayList<>();

    /**
     * @param base           a small valid job the hostile ones are made from
     * @param foreignDataDir a directory of real IDX files outside every service's allowed dataset roots
     */
    FuzzSpecs(JobSpec base, String foreignDataDir, long seed) {
        this.base = base;
        this.foreignDataDir = foreignDataDir;
        this.seed = seed;
        sizesPastTheLimits();
        modelsTooLarge();
        namesAndValuesNobodyKnows();
        runtimeTraps();
    }

    /**
     * {@code count} specs: every runtime trap {@code runtimeEach} times (each one costs the workers a
     * little real work), the rest drawn from the categories refused at submission.
     */
    List<Hostile> generate(int count, int runtimeEach) {
        Random random = new Random(seed);
        List<Hostile> specs = new ArrayList<>();
        for (Category c : runtime) {
            for (int i = 0; i < runtimeEach; i++) {
                specs.add(make(c, specs.size(), random));
            }
        }
        while (specs.size() < count) {
            specs.add(make(refused.get(random.nextInt(refused.size())), specs.size(), random));
        }
        return specs;
    }

    private Hostile make(Category category, int index, Random random) {
        JobSpec spec = JobSpec.newBuilder(base).build();
        spec.setData(io.fedarch.events.DataSpec.newBuilder(base.getData()).build());
        spec.getData().setPartition(io.fedarch.events.PartitionSpec.newBuilder(base.getData().getPartition()).build());
        spec.setModel(ModelSpec.newBuilder(base.getModel()).setOptions(new HashMap<>(base.getModel().getOptions())).build());
        spec.setHyperParameters(new HashMap<>());
        spec.setName("fuzz-" + category.name());
        category.hostility().accept(spec, random);
        String jobId = "fuzz-spec-" + seed + "-" + index + "-" + category.name();
        JobSubmitted event = JobSubmitted.newBuilder().setEventId(UUID.nameUUIDFromBytes(jobId.getBytes()).toString())
                .setJobId(jobId).setTimestamp(Instant.now()).setSpec(spec).build();
        return new Hostile(category.name(), category.expected(), event);
    }

    private void refusedIf(String name, BiConsumer<JobSpec, Random> hostility) {
        refused.add(new Category(name, Expected.REFUSED_AT_SUBMISSION, hostility));
    }

    /** Counts and durations from just past the deployment's limits up to their type's maximum. */
    private void sizesPastTheLimits() {
        refusedIf("totalClients-huge", (s, r) -> s.setTotalClients(between(r, 100_001, Integer.MAX_VALUE)));
        refusedIf("clientsPerRound-huge", (s, r) -> {
            s.setTotalClients(100_000);
            s.setClientsPerRound(between(r, 1_001, 100_000));
        });
        refusedIf("rounds-huge", (s, r) -> s.setRounds(between(r, 10_001, Integer.MAX_VALUE)));
        refusedIf("epochs-huge", (s, r) -> {
            if (r.nextBoolean()) {
                s.setLocalEpochs(between(r, 101, Integer.MAX_VALUE));
            } else {
                s.setPersonalizationEpochs(between(r, 101, Integer.MAX_VALUE));
            }
        });
        refusedIf("batchSize-huge", (s, r) -> s.setBatchSize(between(r, 4_097, Integer.MAX_VALUE)));
        refusedIf("roundDeadlineMs-near-max", (s, r) -> s.setRoundDeadlineMs(Long.MAX_VALUE - r.nextInt(1_000_000)));
        refusedIf("maxRoundAttempts-huge", (s, r) -> s.setMaxRoundAttempts(between(r, 101, Integer.MAX_VALUE)));
        refusedIf("async-concurrency-huge", (s, r) -> s.setAsyncAggregation(AsyncAggregation.newBuilder()
                .setBufferSize(between(r, 1_001, Integer.MAX_VALUE)).setConcurrency(between(r, 1_001, Integer.MAX_VALUE))
                .build()));
        refusedIf("negative-value", (s, r) -> {
            int field = r.nextInt(14);
            int negative = -between(r, 1, Integer.MAX_VALUE);
            switch (field) {
                case 0 -> s.setTotalClients(negative);
                case 1 -> s.setClientsPerRound(negative);
                case 2 -> s.setRounds(negative);
                case 3 -> s.setLocalEpochs(negative);
                case 4 -> s.setBatchSize(negative);
                case 5 -> s.setLearningRate(-r.nextDouble() * 1e300);
                case 6 -> s.setRoundDeadlineMs(-1L - r.nextInt(Integer.MAX_VALUE));
                case 7 -> s.setMaxRoundAttempts(negative);
                case 8 -> s.setQuorum(negative);
                case 9 -> s.setPersonalizationEpochs(negative);
                case 10 -> s.getData().getPartition().setValidationFraction(-r.nextDouble());
                case 11 -> s.setMomentum(-r.nextDouble());
                case 12 -> s.setWeightDecay(-r.nextDouble() * 1e10);
                default -> s.setAsyncAggregation(AsyncAggregation.newBuilder().setBufferSize(negative)
                        .setConcurrency(negative).setMaxStaleness(negative).setServerLearningRate(-1).build());
            }
        });
        refusedIf("quorum-above-clientsPerRound", (s, r) -> s.setQuorum(s.getClientsPerRound() + between(r, 1, 1_000)));
    }

    /** Networks whose tensors, tasks or checkpoints could never be held or written. */
    private void modelsTooLarge() {
        refusedIf("cnn-hidden-1e6", (s, r) -> s.getModel().getOptions().put("hidden",
                Integer.toString(between(r, 1_000_000, 1 << 20))));
        refusedIf("cnn-width-huge", (s, r) -> {
            s.getModel().getOptions().put("conv1", Integer.toString(between(r, 10_000, 1 << 20)));
            s.getModel().getOptions().put("conv2", Integer.toString(between(r, 10_000, 1 << 20)));
        });
        refusedIf("darts-layers-1e6", (s, r) -> {
            s.setAlgorithm("fednas");
            s.setModel(ModelSpec.newBuilder().setFamily("darts").setOptions(new HashMap<>(Map.of(
                    "layers", Integer.toString(between(r, 1_000_000, Integer.MAX_VALUE)), "channels", "16"))).build());
        });
        refusedIf("darts-channels-1e5", (s, r) -> {
            s.setAlgorithm("fednas");
            s.setModel(ModelSpec.newBuilder().setFamily("darts").setOptions(new HashMap<>(Map.of(
                    "layers", "8", "channels", Integer.toString(between(r, 100_000, Integer.MAX_VALUE))))).build());
        });
        // 256 × hidden weights in fc1: at 70,000..120,000 hidden units the FP16 task fits in 64 MiB, the FP32 checkpoint does not.
        refusedIf("fp16-checkpoint-over-64MiB", (s, r) -> {
            s.setTensorDType(DType.FP16);
            s.getModel().getOptions().put("hidden", Integer.toString(between(r, 70_000, 120_000)));
        });
    }

    /** Names the services do not know, and knob values past every bound. */
    private void namesAndValuesNobodyKnows() {
        refusedIf("unknown-algorithm", (s, r) -> s.setAlgorithm("fuzz-algo-" + Long.toHexString(r.nextLong())));
        refusedIf("unknown-model-family", (s, r) -> s.getModel().setFamily("fuzz-family-" + r.nextInt(1000)));
        refusedIf("hyperParameters-huge", (s, r) -> {
            Map<String, String> knobs = s.getHyperParameters();
            switch (r.nextInt(5)) {
                case 0 -> knobs.put("statisticsPass", Long.toString(Long.MAX_VALUE - r.nextInt(1000)));
                case 1 -> knobs.put("personalizationLearningRate", r.nextBoolean() ? "1e400" : "NaN");
                case 2 -> knobs.put("fuzz-knob-" + r.nextInt(1000), "1" + "0".repeat(between(r, 10, 10_000)));
                case 3 -> knobs.put("statisticsPass", "9".repeat(between(r, 20, 200_000)));
                default -> {
                    // A spec over the 1 MiB limit: it would travel in every task and checkpoint.
                    s.setAlgorithm("fednas");
                    s.setModel(ModelSpec.newBuilder().setFamily("darts").setOptions(new HashMap<>(Map.of(
                            "layers", "3", "channels", "4"))).build());
                    knobs.put("fineTuneRounds", Integer.toString(between(r, 100_001, Integer.MAX_VALUE)));
                    knobs.put("lambda", "1".repeat(between(r, 1 << 20, 2 << 20)));
                }
            }
        });
    }

    /** Specs within every bound that cannot end well once they run. */
    private void runtimeTraps() {
        runtime.add(new Category("async-serverLearningRate-1e30", Expected.FAILED_AT_RUNTIME, (s, r) -> {
            // A step of 1e30 × the deltas: the next clients train from ~1e30 weights; NaN or overflow follows.
            s.setRounds(5);
            s.setLocalEpochs(1);
            s.setRoundDeadlineMs(20_000);
            s.setAsyncAggregation(AsyncAggregation.newBuilder().setBufferSize(1).setConcurrency(1)
                    .setServerLearningRate(1e30 * (1 + r.nextInt(1000))).build());
        }));
        runtime.add(new Category("dataDir-other-tenant", Expected.FAILED_AT_RUNTIME, (s, r) -> {
            // Every worker refuses its tasks (review M8), so the first round can only run out of time.
            s.getData().setDataDir(r.nextBoolean() ? foreignDataDir
                    : "/usr/share/datasets/fashion-mnist/../../../.." + foreignDataDir);
            s.setRoundDeadlineMs(10_000);
            s.setMaxRoundAttempts(1);
        }));
        runtime.add(new Category("dirichlet-60000-clients-min0", Expected.FAILED_AT_RUNTIME, (s, r) -> {
            // Within the client limit, but more clients than the job's training images: no shard can be cut.
            s.setTotalClients(60_000);
            s.setClientsPerRound(between(r, 1, 50));
            s.getData().getPartition().setMinSamplesPerClient(0);
            s.setRoundDeadlineMs(10_000);
            s.setMaxRoundAttempts(1);
        }));
        runtime.add(new Category("parentJobId-of-another-job", Expected.DELIVERY_REFUSED, (s, r) -> {
            // Claims to be another job's fine-tuning job, to have its model delivered as that job's (review H2).
            s.setParentJobId("job-" + new UUID(r.nextLong(), r.nextLong()));
            s.setRounds(1);
            s.setLocalEpochs(1);
        }));
    }

    /** Uniform in [from, to], without int overflow. */
    private static int between(Random r, int from, int to) {
        return (int) (from + (long) (r.nextDouble() * ((long) to - from + 1)));
    }
}
