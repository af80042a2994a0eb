package io.fedarch.cli;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.function.Supplier;

import org.apache.avro.specific.SpecificRecord;

import io.fedarch.events.*;
import io.fedarch.events.spec.JobSpecReader;
import io.fedarch.events.wire.EventCodec;
import io.fedarch.events.wire.Topics;

/**
 * Hostile input for one consumer topic, from a seeded RNG: random bytes, single-object headers with
 * unknown schema fingerprints, valid events of another type, mutated events (bit flips, truncation,
 * inserted bytes) and well-formed events every service must refuse (unknown job, unknown algorithm,
 * impossible settings, misfit or NaN tensors, non-positive sample counts, accuracy outside [0, 1]).
 *
 * <p>Every message is one the service must dead-letter. A mutation that still decodes into a valid
 * event is not bad input (a flipped bit in a tensor value is just another value), so mutations are
 * drawn until they no longer decode; the well-formed refusals carry their defect in a field no single
 * mutation can repair, and every one has a fresh event id and an unknown job id.
 */
final class FuzzMessages {
    /** The consumer topics and the event type each one's consumer decodes. */
    static final Map<String, Class<? extends SpecificRecord>> CONSUMED = Map.of(
            Topics.JOBS, JobSubmitted.class,
            Topics.ROUND_STARTS, RoundStartRequested.class,
            Topics.ARCHITECTURE_MASKS, ArchitectureMask.class,
            Topics.CLIENT_UPDATES, ClientUpdate.class,
            Topics.CLIENT_TASKS, ClientTask.class,
            Topics.GLOBAL_MODELS, GlobalModel.class,
            Topics.SEARCH_COMPLETIONS, SearchCompleted.class,
            Topics.PERSONALIZED_MODELS, PersonalizedModel.class);

    /** Several MiB: above the dead letter's 1 MiB payload limit, below the 64 MiB message limit. */
    static final int OVERSIZED_BYTES = 3 << 20;

    private final Random random;
    private final String topic;
    private final Map<String, Supplier<SpecificRecord>> refusals = new HashMap<>();

    FuzzMessages(String topic, long seed) {
        this.topic = topic;
        this.random = new Random(seed);
        refusals.put(Topics.JOBS, this::refusedJob);
        refusals.put(Topics.ROUND_STARTS, () -> RoundStartRequested.newBuilder().setEventId(id()).setJobId(unknownJob())
                .setTimestamp(Instant.now()).setRound(1 + random.nextInt(5)).build());
        refusals.put(Topics.ARCHITECTURE_MASKS, () -> ArchitectureMask.newBuilder().setEventId(id())
                .setJobId(unknownJob()).setTimestamp(Instant.now()).setRound(1).setTotalRounds(3).setThreshold(0.5)
                .setMask(SearchMask.newBuilder().setOperations(List.of("skip_connect")).setNormal(List.of(1f))
                        .setReduce(List.of(1f)).build())
                .setStrategyState(StrategyState.newBuilder().setTensors(ModelState.newBuilder().setTensors(List.of()).build())
                        .build())
                .setActiveOperations(1).setDecayingOperations(0).setTotalOperations(1).setActiveEdges(1)
                .setGenotype("{}").build());
        refusals.put(Topics.CLIENT_UPDATES, () -> ClientUpdate.newBuilder().setEventId(id()).setJobId(unknownJob())
                .setTimestamp(Instant.now()).setTaskEventId(id()).setRound(1).setClientId(random.nextInt(10))
                .setBaseModelVersion(0).setWorkerId("fuzz").setSampleCount(random.nextInt(3) - 1)
                .setModelState(tensors()).setMetrics(metrics()).build());
        refusals.put(Topics.CLIENT_TASKS, () -> ClientTask.newBuilder().setEventId(id()).setJobId(unknownJob())
                .setTimestamp(Instant.now()).setRound(1).setClientId(random.nextInt(10)).setModelVersion(0)
                .setDeadline(Instant.now().plusSeconds(3600)).setSpec(spec("fuzz-algorithm-" + random.nextInt(100)))
                .setGlobalModel(tensors()).build());
        refusals.put(Topics.GLOBAL_MODELS, () -> GlobalModel.newBuilder().setEventId(id()).setJobId(unknownJob())
                .setTimestamp(Instant.now()).setRound(1).setTotalRounds(3).setModelVersion(1)
                .setAlgorithm("fuzz-algorithm-" + random.nextInt(100)).setParticipants(List.of(0))
                .setModelState(tensors()).setMetrics(RoundMetrics.newBuilder().setClientsSelected(1)
                        .setClientsReported(1).setSampleCount(1).setTrainLoss(1).setValidationAccuracy(0.1)
                        .setGlobalValidationAccuracy(0.1).setRoundMs(1).setAggregationMs(1).setMeanClientComputeMs(1)
                        .setMaxClientComputeMs(1).setUpdateBytes(1).build()).build());
        refusals.put(Topics.SEARCH_COMPLETIONS, () -> SearchCompleted.newBuilder().setEventId(id())
                .setJobId(unknownJob()).setTimestamp(Instant.now()).setStatus(SearchStatus.SUCCEEDED)
                .setSpec(spec("fedavg")).setRoundsCompleted(1).setModelVersion(1).setFinalModel(null)
                .setSearchMs(1).build());
        refusals.put(Topics.PERSONALIZED_MODELS, () -> PersonalizedModel.newBuilder().setEventId(id())
                .setJobId(unknownJob()).setTimestamp(Instant.now()).setClientId(random.nextInt(10)).setWorkerId("fuzz")
                .setBaseModelVersion(1).setSpec(spec("fedavg")).setModelState(tensors()).setMetrics(metrics())
                .setLocalTestAccuracy(2 + random.nextInt(100)).setLocalTestLoss(1).setLocalTestSamples(10).build());
    }

    /** The {@code index}-th message; the first three are oversized. */
    byte[] next(int index) {
        if (index < 3) {
            return randomBytes(OVERSIZED_BYTES);
        }
        return switch (random.nextInt(5)) {
            case 0 -> randomBytes(random.nextInt(2048));
            case 1 -> unknownSchema();
            case 2 -> EventCodec.encode(otherType());
            case 3 -> undecodableMutation();
            default -> EventCodec.encode(refusals.get(topic).get());
        };
    }

    private byte[] unknownSchema() {
        byte[] body = randomBytes(10 + random.nextInt(512));
        body[0] = (byte) 0xC3;
        body[1] = 0x01;
        return body;
    }

    /** A valid event of one of the other consumed types. */
    private SpecificRecord otherType() {
        List<String> others = new ArrayList<>(refusals.keySet());
        others.remove(topic);
        others.sort(null);
        return refusals.get(others.get(random.nextInt(others.size()))).get();
    }

    private byte[] undecodableMutation() {
        Class<? extends SpecificRecord> type = CONSUMED.get(topic);
        for (int attempt = 0; attempt < 50; attempt++) {
            byte[] mutated = mutate(EventCodec.encode(refusals.get(topic).get()));
            try {
                EventCodec.decode(mutated, type);
            } catch (RuntimeException undecodable) {
                return mutated;
            }
        }
        return randomBytes(64);
    }

    private byte[] mutate(byte[] valid) {
        switch (random.nextInt(3)) {
            case 0 -> {
                byte[] flipped = valid.clone();
                for (int k = 0, flips = 1 + random.nextInt(3); k < flips; k++) {
                    int i = random.nextInt(flipped.length);
                    flipped[i] ^= (byte) (1 << random.nextInt(8));
                }
                return flipped;
            }
            case 1 -> {
                return java.util.Arrays.copyOf(valid, random.nextInt(valid.length));
            }
            default -> {
                int at = random.nextInt(valid.length + 1);
                byte[] inserted = randomBytes(1 + random.nextInt(16));
                ByteBuffer out = ByteBuffer.allocate(valid.length + inserted.length);
                out.put(valid, 0, at).put(inserted).put(valid, at, valid.length - at);
                return out.array();
            }
        }
    }

    private SpecificRecord refusedJob() {
        JobSpec spec = switch (random.nextInt(4)) {
            case 0 -> spec("fuzz-algorithm-" + random.nextInt(100));
            case 1 -> JobSpecReader.fromMap(Map.of("rounds", -random.nextInt(5), "model", cnn()));
            case 2 -> JobSpecReader.fromMap(Map.of("totalClients", 2, "clientsPerRound", 3 + random.nextInt(5),
                    "model", cnn()));
            default -> JobSpecReader.fromMap(Map.of("batchSize", 0, "learningRate", -1.0, "model", cnn()));
        };
        return JobSubmitted.newBuilder().setEventId(id()).setJobId(unknownJob()).setTimestamp(Instant.now())
                .setSpec(spec).build();
    }

    private static Map<String, Object> cnn() {
        return Map.of("family", "cnn", "options", Map.of("conv1", 2, "conv2", 2, "hidden", 4));
    }

    private static JobSpec spec(String algorithm) {
        return JobSpecReader.fromMap(Map.of("algorithm", algorithm, "model", cnn()));
    }

    /** A tensor of the wrong name and shape for any fedarch model, sometimes with NaN or infinite values. */
    private ModelState tensors() {
        int n = 1 + random.nextInt(8);
        ByteBuffer data = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, random.nextFloat()};
            data.putFloat(special[random.nextInt(special.length)]);
        }
        data.flip();
        return ModelState.newBuilder().setTensors(List.of(Tensor.newBuilder().setName("fuzz." + random.nextInt(9))
                .setShape(List.of(n)).setDtype(DType.FP32).setData(data).build())).build();
    }

    private ClientMetrics metrics() {
        return ClientMetrics.newBuilder().setTrainLoss(1).setTrainAccuracy(0.5).setValidationLoss(1)
                .setValidationAccuracy(0.5).setGlobalValidationAccuracy(0.5).setValidationSamples(1).setSteps(1)
                .setComputeMs(1).setUpdateBytes(1).build();
    }

    private byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private String id() {
        return new UUID(random.nextLong(), random.nextLong()).toString();
    }

    private String unknownJob() {
        return "fuzz-unknown-" + id();
    }
}
