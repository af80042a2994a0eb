package io.fedarch.core.federation;

import static io.fedarch.core.federation.EngineFixtures.T0;
import static io.fedarch.core.federation.EngineFixtures.assertAccepted;
import static io.fedarch.core.federation.EngineFixtures.clients;
import static io.fedarch.core.federation.EngineFixtures.input;
import static io.fedarch.core.federation.EngineFixtures.kinds;
import static io.fedarch.core.federation.EngineFixtures.one;
import static io.fedarch.core.federation.EngineFixtures.order;
import static io.fedarch.core.federation.EngineFixtures.spec;
import static io.fedarch.core.federation.EngineFixtures.update;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fedarch.core.strategy.StrategyRegistry;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.core.tensor.compression.WireCompression;
import io.fedarch.events.ClientUpdate;
import io.fedarch.events.DType;
import io.fedarch.events.JobCheckpoint;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelState;
import io.fedarch.events.TensorEncoding;
import io.fedarch.events.wire.EventCodec;

/**
 * The coordinator's side of compression: broadcasts coded once per version with error feedback
 * (kept across a restart), updates rebuilt against the coordinator's exact model, and jobs whose
 * strategy or settings cannot take compression refused with the reason.
 */
class CompressedRoundsTest {
    private static final String ALGORITHM = "testavg-compressible";
    private final EngineFixtures.MutableClock clock = new EngineFixtures.MutableClock(T0);

    /** TestAvg with a model large enough to be compressed (a 16 x 8 weight; the 8-value bias stays dense). */
    static final class CompressibleAvg extends EngineFixtures.TestAvg {
        @Override
        public String name() {
            return ALGORITHM;
        }

        @Override
        public ModelParameters initialize(JobSpec spec) {
            float[] weight = new float[128];
            for (int i = 0; i < weight.length; i++) {
                weight[i] = (float) Math.sin(i * 0.37) * (1 + i / 8);   // rows of different ranges, nothing on a grid
            }
            float[] bias = new float[8];
            for (int i = 0; i < bias.length; i++) {
                bias[i] = i / 3f;
            }
            return new ModelParameters(List.of(new NamedTensor("fc.weight", new int[] {16, 8}, weight),
                    new NamedTensor("fc.bias", new int[] {8}, bias)));
        }

        @Override
        public boolean acceptsCompressedUpdates() {
            return true;
        }
    }

    private FederationEngine engine(EngineFixtures.MutableClock at) {
        return new FederationEngine(new StrategyRegistry(new CompressibleAvg(), new EngineFixtures.TestAvg()),
                EngineFixtures.SETTINGS, at);
    }

    private static JobSpec compressed(Map<String, Object> overrides) {
        Map<String, Object> values = new java.util.HashMap<>(Map.of("algorithm", ALGORITHM,
                "compression", Map.of("uplink", "INT8", "downlink", "INT8")));
        values.putAll(overrides);
        return spec(values);
    }

    /** What a client sends: the model it received plus {@code shift}, as a compressed difference. */
    private static ClientUpdate answer(String jobId, Decision.SendTasks send, int client, float shift, JobSpec spec) {
        ModelParameters received = TensorCodec.fromAvro(send.model());
        List<NamedTensor> trained = new ArrayList<>();
        for (NamedTensor t : received.tensors()) {
            float[] v = t.values().clone();
            for (int i = 0; i < v.length; i++) {
                v[i] += shift;
            }
            trained.add(new NamedTensor(t.name(), t.shape(), v));
        }
        ModelState state = WireCompression.update(new ModelParameters(trained), received, null, spec.getCompression(),
                DType.FP32).state();
        return update(jobId, order(send, client).eventId(), send.round(), client, send.attempt(), send.modelVersion(),
                state, 1);
    }

    private static byte[] bytes(ModelState state) {
        try {
            java.nio.ByteBuffer b = state.toByteBuffer();
            byte[] out = new byte[b.remaining()];
            b.get(out);
            return out;
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void updatesAreRebuiltAgainstTheExactModelNotTheLossyBroadcast() {
        JobSpec spec = compressed(Map.of("rounds", 2));
        FederationEngine engine = engine(clock);
        FederationEngine.Started started = engine.submit("exact", spec, null);
        JobState job = started.job();
        ModelParameters exact = job.global();
        Decision.SendTasks round1 = one(started.decisions(), Decision.SendTasks.class);
        assertEquals(TensorEncoding.INT8, round1.model().getTensors().get(0).getEncoding());
        assertFalse(round1.model().getTensors().get(0).getDelta());
        assertEquals(TensorEncoding.DENSE, round1.model().getTensors().get(1).getEncoding(), "8 values stay dense");
        float[] broadcast = TensorCodec.fromAvro(round1.model()).get("fc.weight").values();
        float[] weight = exact.get("fc.weight").values();
        double off = 0;
        for (int i = 0; i < weight.length; i++) {
            off = Math.max(off, Math.abs(broadcast[i] - weight[i]));
        }
        assertTrue(off > 1e-3, "the broadcast is lossy (" + off + ")");

        for (int client : clients(round1)) {
            assertAccepted(engine.handle(job, input(answer("exact", round1, client, 0.25f, spec))));
        }
        // Every client moved its copy by 0.25 (an int8 difference of one value: exact to float rounding):
        // the new model is the exact model + 0.25, not the broadcast + 0.25.
        float[] next = job.global().get("fc.weight").values();
        for (int i = 0; i < weight.length; i++) {
            assertEquals(weight[i] + 0.25f, next[i], 1e-5, "fc.weight[" + i + "]");
        }
        assertEquals(exact.get("fc.bias").values()[3] + 0.25f, job.global().get("fc.bias").values()[3], 1e-6);
    }

    @Test
    void aVersionIsBroadcastOnceItsRetriesCarryTheSameBytesAcrossARestartAndTheResidualCarriesOn() {
        JobSpec spec = compressed(Map.of("rounds", 2, "totalClients", 4, "clientsPerRound", 3, "quorum", 0));
        FederationEngine engine = engine(clock);
        FederationEngine.Started started = engine.submit("retry", spec, null);
        JobState job = started.job();
        Decision.SendTasks attempt0 = one(started.decisions(), Decision.SendTasks.class);
        List<Integer> asked = clients(attempt0);
        assertAccepted(engine.handle(job, input(answer("retry", attempt0, asked.get(0), 0.5f, spec))));
        assertAccepted(engine.handle(job, input(answer("retry", attempt0, asked.get(1), 0.5f, spec))));

        JobCheckpoint saved = EventCodec.decode(EventCodec.encode(JobCheckpoints.of(job, clock.instant())),
                JobCheckpoint.class);
        assertEquals(0, saved.getDownlink().getVersion());

        clock.set(T0.plusSeconds(60));
        Decision.SendTasks retry = one(engine.handle(job, new Input.Tick(clock.instant())).decisions(),
                Decision.SendTasks.class);
        assertEquals(1, retry.attempt());
        assertTrue(java.util.Arrays.equals(bytes(attempt0.model()), bytes(retry.model())),
                "a retry carries the version's broadcast, not a second coding with the residual added again");

        // A coordinator restarted from the checkpoint retries with the same bytes too.
        EngineFixtures.MutableClock later = new EngineFixtures.MutableClock(T0.plusSeconds(30));
        FederationEngine restarted = engine(later);
        ClientUpdate first = EventCodec.decode(EventCodec.encode(answer("retry", attempt0, asked.get(0), 0.5f, spec)),
                ClientUpdate.class);
        ClientUpdate second = EventCodec.decode(EventCodec.encode(answer("retry", attempt0, asked.get(1), 0.5f, spec)),
                ClientUpdate.class);
        JobState back = restarted.restore(saved, Map.of(asked.get(0), first, asked.get(1), second), List.of(), null)
                .job();
        later.set(T0.plusSeconds(120));
        Decision.SendTasks retryAfterRestart = one(restarted.handle(back, new Input.Tick(later.instant())).decisions(),
                Decision.SendTasks.class);
        assertTrue(java.util.Arrays.equals(bytes(attempt0.model()), bytes(retryAfterRestart.model())));

        // Round 2 in both: the same exact model and the same residual give the same broadcast, bit for bit.
        int replacement = clients(retry).get(0);
        clock.advance(Duration.ofSeconds(1));
        List<Decision> closed = engine.handle(job, input(answer("retry", retry, replacement, 0.5f, spec))).decisions();
        assertEquals(List.of("UpdateCounted", "PublishGlobal", "SendTasks"), kinds(closed));
        later.advance(Duration.ofSeconds(1));
        List<Decision> closedAfterRestart = restarted.handle(back,
                input(answer("retry", retryAfterRestart, replacement, 0.5f, spec))).decisions();
        Decision.SendTasks round2 = one(closed, Decision.SendTasks.class);
        Decision.SendTasks round2AfterRestart = one(closedAfterRestart, Decision.SendTasks.class);
        assertEquals(1, round2.modelVersion());
        assertTrue(java.util.Arrays.equals(bytes(round2.model()), bytes(round2AfterRestart.model())));

        // Error feedback: version 1 was coded from its model plus what version 0's broadcast dropped.
        ModelParameters v0 = new CompressibleAvg().initialize(spec);
        ModelParameters dropped0 = WireCompression.broadcast(v0, null, spec.getCompression(), DType.FP32).residual();
        ModelState expected = WireCompression.broadcast(job.global(), dropped0, spec.getCompression(), DType.FP32).state();
        assertTrue(java.util.Arrays.equals(bytes(expected), bytes(round2.model())));
        ModelState withoutFeedback = WireCompression.broadcast(job.global(), null, spec.getCompression(), DType.FP32)
                .state();
        assertFalse(java.util.Arrays.equals(bytes(withoutFeedback), bytes(round2.model())));
    }

    @Test
    void underFedBuffEveryTaskOfAVersionCarriesItsBroadcastAndAStaleUpdateIsRebuiltAgainstItsOwnVersion() {
        JobSpec spec = compressed(Map.of("totalClients", 4, "clientsPerRound", 2, "rounds", 3,
                "asyncAggregation", Map.of("bufferSize", 2, "concurrency", 2, "stalenessExponent", 0.0,
                        "serverLearningRate", 1.0)));
        FederationEngine engine = engine(clock);
        FederationEngine.Started started = engine.submit("async", spec, null);
        JobState job = started.job();
        ModelParameters v0 = job.global();
        Decision.SendTasks a = (Decision.SendTasks) started.decisions().get(0);
        Decision.SendTasks b = (Decision.SendTasks) started.decisions().get(1);
        assertTrue(java.util.Arrays.equals(bytes(a.model()), bytes(b.model())), "one broadcast per version");
        List<Decision> afterA = engine.handle(job, input(answer("async", a, a.tasks().get(0).clientId(), 1f, spec)))
                .decisions();
        Decision.SendTasks c = one(afterA, Decision.SendTasks.class);
        assertEquals(0, c.modelVersion());
        assertTrue(java.util.Arrays.equals(bytes(a.model()), bytes(c.model())));
        List<Decision> v1 = engine.handle(job, input(answer("async", c, c.tasks().get(0).clientId(), 3f, spec)))
                .decisions();
        assertEquals(List.of("UpdateCounted", "PublishGlobal", "SendTasks"), kinds(v1));
        float[] w0 = v0.get("fc.weight").values();
        float[] w1 = job.global().get("fc.weight").values();
        for (int i = 0; i < w0.length; i++) {
            assertEquals(w0[i] + 2f, w1[i], 1e-5, "version 1 = version 0 + mean(1, 3)");
        }
        // B trained on version 0's broadcast: its difference goes onto the exact version 0, not version 1.
        // The buffer folds updates as they arrive (it keeps no models), so check through the next version:
        // B's +1 on version 0 and D's +1 on version 1 make version 2 = version 1 + 1; B rebuilt against
        // version 1 instead would count as +3 and make it version 1 + 2.
        FederationEngine.Outcome afterB = engine.handle(job, input(answer("async", b, b.tasks().get(0).clientId(), 1f,
                spec)));
        assertAccepted(afterB);
        Decision.SendTasks d = one(afterB.decisions(), Decision.SendTasks.class);
        assertEquals(1, d.modelVersion());
        engine.handle(job, input(answer("async", d, d.tasks().get(0).clientId(), 1f, spec)));
        float[] w2 = job.global().get("fc.weight").values();
        for (int i = 0; i < w0.length; i++) {
            assertEquals(w1[i] + 1f, w2[i], 1e-5, "fc.weight[" + i + "]: version 2 = version 1 + mean(1, 1)");
        }
    }

    @Test
    void jobsThatCannotTakeCompressionAreRefusedWithTheReason() {
        FederationEngine engine = engine(clock);
        String notAccepted = assertThrows(InputRejectedException.class, () -> engine.submit("plain",
                spec(Map.of("compression", Map.of("uplink", "TOPK"))), null)).getMessage();
        assertTrue(notAccepted.contains(EngineFixtures.AVG + " does not take compressed updates")
                && notAccepted.contains("[" + ALGORITHM + "]"), notAccepted);
        String downlinkTopK = assertThrows(InputRejectedException.class, () -> engine.submit("down",
                compressed(Map.of("compression", Map.of("downlink", "TOPK"))), null)).getMessage();
        assertTrue(downlinkTopK.contains("downlink TOPK is not supported"), downlinkTopK);
        String fraction = assertThrows(InputRejectedException.class, () -> engine.submit("fraction",
                compressed(Map.of("compression", Map.of("uplink", "TOPK", "topKFraction", 0.8))), null)).getMessage();
        assertTrue(fraction.contains("topKFraction must be in (0, 0.5]"), fraction);
        // NONE both ways compresses nothing: any strategy takes it, and tasks carry dense FP32 as without it.
        FederationEngine.Started none = engine.submit("none", spec(Map.of("compression", Map.of())), null);
        assertEquals(TensorEncoding.DENSE, one(none.decisions(), Decision.SendTasks.class).model().getTensors().get(0)
                .getEncoding());
        // The real strategies: FedAvg and FedNAS take it, the others are refused.
        StrategyRegistry builtIn = StrategyRegistry.builtIn();
        assertEquals(List.of("fedavg", "fednas"), builtIn.names().stream().sorted()
                .filter(name -> builtIn.get(name).acceptsCompressedUpdates()).toList());
    }

    @Test
    void aCompressedDownlinkIsCountedInTheCheckpointEstimateAndTopKInTheUpdateEstimate() {
        JobSpec plain = spec(Map.of());
        JobSpec topk = spec(Map.of("compression", Map.of("uplink", "TOPK", "topKFraction", 0.5),
                "tensorDType", "FP16"));
        // FP16 values and 4-byte indices of half the values cost more than dense FP16.
        assertTrue(JobLimits.updateBytes(topk, 1_000_000) > 2L * 1_000_000);
        assertEquals(4L * 1_000_000, JobLimits.updateBytes(plain, 1_000_000));
        int limit = 4 * 1_000_000 * 2 + (1 << 20);
        assertTrue(JobLimits.DEFAULTS.modelProblems(plain, 1_000_000, limit).isEmpty());
        List<String> problems = JobLimits.DEFAULTS.modelProblems(spec(Map.of("compression",
                Map.of("downlink", "INT8"))), 1_000_000, limit);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).startsWith("its checkpoint would be about"), problems.get(0));
    }
}
