package io.fedarch.core.federation;

import io.fedarch.core.darts.DartsFamily;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

import io.fedarch.core.darts.OperationMask;
import io.fedarch.core.strategy.Aggregated;
import io.fedarch.core.strategy.Aggregation;
import io.fedarch.core.strategy.FoldedMean;
import io.fedarch.core.strategy.RoundAggregator;
import io.fedarch.core.strategy.robust.RobustAggregators;
import io.fedarch.core.strategy.BetweenRounds;
import io.fedarch.core.strategy.ClientInstruction;
import io.fedarch.core.strategy.ClientProcedure;
import io.fedarch.core.strategy.ClientResult;
import io.fedarch.core.algorithms.fedavg.FedAvg;
import io.fedarch.core.algorithms.fedmetanas.FedMetaNas;
import io.fedarch.core.strategy.ServerState;
import io.fedarch.core.strategy.ServerStateCodec;
import io.fedarch.core.strategy.Strategy;
import io.fedarch.core.strategy.StrategyRegistry;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.events.ClientMetrics;
import io.fedarch.events.ClientUpdate;
import io.fedarch.events.DType;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelState;
import io.fedarch.events.StrategyState;
import io.fedarch.events.spec.JobSpecReader;

/**
 * What the federation engine's tests share: a settable clock, hand-made models (no DJL: the engine
 * never needs a network), test strategies whose client side is never called, spec and update
 * builders, and helpers that pick decisions out of an outcome.
 */
final class EngineFixtures {
    static final Instant T0 = Instant.parse("2024-05-01T12:00:00Z");
    static final String AVG = "testavg";
    static final String PRUNING = "testprune";
    static final List<String> OPS = List.of("none", "skip_connect", "max_pool_3x3");
    /** betweenRoundsWait 2 min, resumeGrace 30 s, the default 64 MiB message limit. */
    static final EngineSettings SETTINGS = EngineSettings.defaults();

    private EngineFixtures() {
    }

    // ---- clock -----------------------------------------------------------------------------------

    /** A clock the test moves by hand. */
    static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant start) {
            this.now = start;
        }

        void set(Instant instant) {
            now = instant;
        }

        Instant advance(Duration by) {
            now = now.plus(by);
            return now;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    // ---- models ----------------------------------------------------------------------------------

    /** The initial model: values exactly representable in float and FP16, so sums by hand are exact. */
    static ModelParameters initialModel() {
        return new ModelParameters(List.of(
                new NamedTensor("fc.weight", new int[] {2, 3}, new float[] {0.5f, -1.25f, 2f, 0f, 3.5f, -0.75f}),
                new NamedTensor("fc.bias", new int[] {2}, new float[] {1f, -2f})));
    }

    /** The initial model's shapes, every value {@code value}. */
    static ModelParameters constant(float value) {
        List<NamedTensor> tensors = new ArrayList<>();
        for (NamedTensor t : initialModel().tensors()) {
            float[] values = new float[t.size()];
            Arrays.fill(values, value);
            tensors.add(new NamedTensor(t.name(), t.shape(), values));
        }
        return new ModelParameters(tensors);
    }

    /** {@code model} plus {@code delta} everywhere (float arithmetic, as a client would produce it). */
    static ModelParameters shifted(ModelParameters model, float delta) {
        List<NamedTensor> tensors = new ArrayList<>();
        for (NamedTensor t : model.tensors()) {
            float[] values = t.values().clone();
            for (int i = 0; i < values.length; i++) {
                values[i] += delta;
            }
            tensors.add(new NamedTensor(t.name(), t.shape(), values));
        }
        return new ModelParameters(tensors);
    }

    static void assertAllValues(float expected, ModelParameters model) {
        for (NamedTensor t : model.tensors()) {
            for (float v : t.values()) {
                assertEquals(expected, v, t.name());
            }
        }
    }

    /** Every value of {@code model} equals the same value of the initial model plus {@code shift}, exactly. */
    static void assertShifted(ModelParameters model, float shift) {
        for (NamedTensor t : initialModel().tensors()) {
            float[] values = model.get(t.name()).values();
            for (int i = 0; i < values.length; i++) {
                assertEquals(t.values()[i] + shift, values[i], t.name() + "[" + i + "]");
            }
        }
    }

    static void assertBitForBit(ModelParameters expected, ModelParameters actual) {
        assertEquals(expected.names(), actual.names());
        for (NamedTensor t : expected.tensors()) {
            float[] a = t.values();
            float[] b = actual.get(t.name()).values();
            assertEquals(a.length, b.length, t.name());
            for (int i = 0; i < a.length; i++) {
                assertEquals(Float.floatToRawIntBits(a[i]), Float.floatToRawIntBits(b[i]), t.name() + "[" + i + "]");
            }
        }
    }

    /** Two server states hold the same tensors (names, shapes, values bit for bit, in order) and values. */
    static void assertSameState(ServerState expected, ServerState actual) {
        assertNotNull(actual);
        assertBitForBit(expected.tensors(), actual.tensors());
        for (NamedTensor t : expected.tensors().tensors()) {
            assertEquals(Arrays.toString(t.shape()), Arrays.toString(actual.tensor(t.name()).shape()), t.name());
        }
        assertEquals(expected.values(), actual.values());
    }

    /** A server state by content (ServerState's equals compares its tensors by identity). */
    static String describe(ServerState state) {
        StringBuilder s = new StringBuilder("{");
        for (NamedTensor t : state.tensors().tensors()) {
            s.append(t.name()).append(Arrays.toString(t.shape())).append('#').append(Arrays.hashCode(t.values())).append(' ');
        }
        return s.append(state.values()).append('}').toString();
    }

    // ---- masks -----------------------------------------------------------------------------------

    /** The mask a server state holds, over {@link #OPS}. */
    static OperationMask stateMask(ServerState state) {
        return OperationMask.fromTensors(OPS, state.tensors(), FedMetaNas.MASK);
    }

    /** The mask a task carries in its payload, over {@link #OPS}. */
    static OperationMask payloadMask(Decision.TaskOrder task) {
        assertNotNull(task.payload(), "task of client " + task.clientId() + " has no payload");
        return OperationMask.fromTensors(OPS, TensorCodec.fromAvro(task.payload()), FedMetaNas.MASK);
    }

    /** Every task of {@code send} carries {@code mask} (and nothing else) in its payload. */
    static void assertEveryTaskCarries(OperationMask mask, Decision.SendTasks send) {
        for (Decision.TaskOrder task : send.tasks()) {
            assertEquals(List.of(FedMetaNas.MASK + ".normal", FedMetaNas.MASK + ".reduce"),
                    TensorCodec.fromAvro(task.payload()).names());
            assertEquals(mask, payloadMask(task), "payload of client " + task.clientId());
        }
    }

    /** A between-rounds result as the pruning service publishes it: a state holding {@code mask}. */
    static StrategyState maskState(OperationMask mask) {
        return ServerStateCodec.toAvro(FedMetaNas.withMask(ServerState.EMPTY, mask));
    }

    // ---- strategies ------------------------------------------------------------------------------

    /**
     * FedAvg's server half without DJL: a hand-made initial model, FedAvg's seeded client selection
     * and instructions, the shared aggregation (sample-weighted mean), no server state of its own.
     * The client half is never called by the engine.
     */
    static class TestAvg implements Strategy {
        @Override
        public String name() {
            return AVG;
        }

        @Override
        public void validate(JobSpec spec) {
            new FedAvg().validate(spec); // plain checks of the spec (model options, robust rule), no DJL
        }

        @Override
        public ModelParameters initialize(JobSpec spec) {
            return initialModel();
        }

        @Override
        public ClientInstruction instruct(JobSpec spec, int round, int clientId, ModelParameters global,
                                          ServerState state) {
            return new FedAvg().instruct(spec, round, clientId, global, state);
        }

        @Override
        public Aggregated aggregate(JobSpec spec, int round, ModelParameters global, ServerState state,
                                    List<ClientResult> results) {
            return new Aggregated(Aggregation.of(spec, global, results), state);
        }


        @Override
        public ClientProcedure clientProcedure() {
            throw new IllegalStateException("the engine never runs a client");
        }
    }

    /**
     * {@link TestAvg} as the registry runs it: like FedAvg, the mean folds as updates arrive and a
     * robust rule buffers them. (Tests that override {@code aggregate} extend {@link TestAvg}, which
     * buffers, so their own aggregate is the one that runs.)
     */
    static final class FoldingAvg extends TestAvg {
        @Override
        public boolean foldsUpdates(JobSpec spec) {
            return RobustAggregators.forSpec(spec) == null;
        }

        @Override
        public RoundAggregator foldingAggregator(JobSpec spec, int round, ModelParameters global, ServerState state) {
            return new FoldedMean(global, false, mean -> new Aggregated(mean, state));
        }
    }

    /**
     * {@link TestAvg} with a between-rounds step (soft pruning) on a DARTS spec: like FedMetaNAS its
     * server state holds the mask tables, which every client gets in its payload.
     */
    static final class TestPruning extends TestAvg implements BetweenRounds {
        @Override
        public String name() {
            return PRUNING;
        }

        @Override
        public ServerState initialState(JobSpec spec) {
            return FedMetaNas.withMask(ServerState.EMPTY, OperationMask.full(DartsFamily.options(spec.getModel())));
        }

        @Override
        public ClientInstruction instruct(JobSpec spec, int round, int clientId, ModelParameters global,
                                          ServerState state) {
            OperationMask mask = FedMetaNas.mask(spec, state);
            return new ClientInstruction(clientId, super.instruct(spec, round, clientId, global, state).config(),
                    mask == null ? null : new ModelParameters(mask.toTensors(FedMetaNas.MASK)));
        }

        @Override
        public Optional<BetweenRounds> betweenRounds() {
            return Optional.of(this);
        }

        @Override
        public ServerState next(JobSpec spec, int round, ModelParameters global, ServerState state) {
            throw new IllegalStateException("the pruning service prunes, not the engine");
        }

        /** What FedMetaNas checks: the state holds mask tables that fit the job's DARTS options. */
        @Override
        public void check(JobSpec spec, ServerState state) {
            OperationMask mask = FedMetaNas.mask(spec, state);
            if (mask == null) {
                throw new IllegalArgumentException("the state has no mask tables '" + FedMetaNas.MASK
                        + ".normal/.reduce'");
            }
            mask.requireFits(DartsFamily.options(spec.getModel()));
        }
    }

    static StrategyRegistry registry() {
        return new StrategyRegistry(new FoldingAvg(), new TestPruning());
    }

    static FederationEngine engine(MutableClock clock) {
        return new FederationEngine(registry(), SETTINGS, clock);
    }

    // ---- specs -----------------------------------------------------------------------------------

    /** A TestAvg job: 3 of 3 clients, 2 rounds, 60 s deadline, unless overridden. */
    static JobSpec spec(Map<String, Object> overrides) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("algorithm", AVG);
        values.put("model", Map.of("family", "cnn", "options", Map.of("conv1", "2", "conv2", "2", "hidden", "4")));
        values.put("totalClients", 3);
        values.put("clientsPerRound", 3);
        values.put("rounds", 2);
        values.put("roundDeadlineMs", 60_000);
        values.putAll(overrides);
        return JobSpecReader.fromMap(values);
    }

    /** A soft-pruning job on a small DARTS space of {@link #OPS}: 2 of 2 clients, 3 rounds. */
    static JobSpec pruningSpec(Map<String, Object> overrides) {
        Map<String, Object> values = new HashMap<>();
        values.put("algorithm", PRUNING);
        values.put("model", Map.of("family", "darts", "options", Map.of("channels", "2", "layers", "3",
                "stemStride", "2", "ops", String.join(",", OPS))));
        values.put("totalClients", 2);
        values.put("clientsPerRound", 2);
        values.put("rounds", 3);
        values.putAll(overrides);
        return spec(values);
    }

    // ---- updates ---------------------------------------------------------------------------------

    /** Distinct, recognisable figures per client: trainLoss c+1, computeMs 10(c+1), 2 steps, 10 validation samples. */
    static ClientMetrics metrics(int client) {
        return ClientMetrics.newBuilder().setTrainLoss(client + 1).setTrainAccuracy(0.5).setValidationLoss(1)
                .setValidationAccuracy(0.5).setGlobalValidationAccuracy(0.25).setValidationSamples(10).setSteps(2)
                .setComputeMs(10L * (client + 1)).setUpdateBytes(100).build();
    }

    /** The task a client got in {@code send}. */
    static Decision.TaskOrder order(Decision.SendTasks send, int client) {
        for (Decision.TaskOrder o : send.tasks()) {
            if (o.clientId() == client) {
                return o;
            }
        }
        throw new AssertionError("client " + client + " has no task in " + clients(send));
    }

    /** The client's answer to its task in {@code send}, carrying {@code model}. */
    static ClientUpdate answer(String jobId, Decision.SendTasks send, int client, ModelParameters model, long samples) {
        Decision.TaskOrder task = order(send, client);
        return update(jobId, task.eventId(), send.round(), client, send.attempt(), send.modelVersion(),
                TensorCodec.toAvro(model, DType.FP32), samples);
    }

    static ClientUpdate update(String jobId, String taskEventId, int round, int client, int attempt, int baseVersion,
                               ModelState state, long samples) {
        return ClientUpdate.newBuilder()
                .setEventId(jobId + "/update/" + taskEventId + "/" + client + "/" + samples)
                .setJobId(jobId).setTimestamp(T0).setTaskEventId(taskEventId).setRound(round)
                .setClientId(client).setAttempt(attempt).setBaseModelVersion(baseVersion).setWorkerId("worker-" + client)
                .setSampleCount(samples).setModelState(state).setMetrics(metrics(client)).build();
    }

    static Input.Update input(ClientUpdate update) {
        return new Input.Update(update, origin(update));
    }

    /** A stable place on the update topic derived from the update (partition = client, offset = round). */
    static UpdateOrigin origin(ClientUpdate update) {
        return new UpdateOrigin(update.getEventId(), update.getClientId(), 1000L * update.getRound() + update.getClientId());
    }

    // ---- decisions -------------------------------------------------------------------------------

    static <T extends Decision> List<T> all(List<Decision> decisions, Class<T> type) {
        return decisions.stream().filter(type::isInstance).map(type::cast).toList();
    }

    static <T extends Decision> T one(List<Decision> decisions, Class<T> type) {
        List<T> found = all(decisions, type);
        assertEquals(1, found.size(), "exactly one " + type.getSimpleName() + " in " + kinds(decisions));
        return found.get(0);
    }

    static List<String> kinds(List<Decision> decisions) {
        return decisions.stream().map(d -> d.getClass().getSimpleName()).toList();
    }

    static List<Integer> clients(Decision.SendTasks send) {
        return send.tasks().stream().map(Decision.TaskOrder::clientId).toList();
    }

    /** An outcome that changed nothing: no decision, no rejection. */
    static void assertNothing(FederationEngine.Outcome outcome) {
        assertNull(outcome.rejection(), () -> "unexpected rejection: " + outcome.rejection().getMessage());
        assertEquals(List.of(), kinds(outcome.decisions()));
        assertEquals(false, outcome.changed());
    }

    /** A rejected input: the reason, no decision, no change. */
    static String assertRejected(FederationEngine.Outcome outcome) {
        assertNotNull(outcome.rejection(), () -> "expected a rejection, got " + kinds(outcome.decisions()));
        assertEquals(List.of(), kinds(outcome.decisions()));
        assertEquals(false, outcome.changed());
        return outcome.rejection().getMessage();
    }

    static void assertAccepted(FederationEngine.Outcome outcome) {
        if (outcome.rejection() != null) {
            fail("rejected: " + outcome.rejection().getMessage());
        }
        assertEquals(true, outcome.changed(), "a counted input changes the job");
    }

    /** A summary of the job's state that a rejected or ignored input must leave as it was. */
    static String snapshot(JobState job) {
        StringBuilder s = new StringBuilder();
        s.append(job.phase).append(" v").append(job.modelVersion).append(" c").append(job.completedRounds);
        if (job.openRound != null) {
            s.append(" round ").append(job.openRound.round).append('/').append(job.openRound.attempt)
                    .append(" asked ").append(job.openRound.asked).append(" updates ")
                    .append(new TreeSet<>(job.openRound.updates.keySet())).append(" by ").append(job.openRound.deadline);
        }
        if (job.async != null) {
            s.append(" outstanding ").append(job.async.outstanding).append(" buffer ").append(job.async.buffer.size())
                    .append(" dropped ").append(job.async.droppedStale).append(" seq ").append(job.async.taskSequence);
        }
        s.append(" state@").append(job.betweenRoundsAppliedAfter).append(' ').append(describe(job.state));
        s.append(" global ").append(System.identityHashCode(job.global));
        return s.toString();
    }
}
