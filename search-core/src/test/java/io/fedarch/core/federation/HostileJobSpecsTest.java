package io.fedarch.core.federation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fedarch.core.strategy.StrategyRegistry;
import io.fedarch.events.JobSpec;
import io.fedarch.events.spec.JobSpecReader;

/**
 * Job specs a hostile or careless submitter can write, each well-formed: every one is refused at
 * submission with a reason naming what is too large, before anything sized by it is allocated
 * (review findings C1, C2, H7, L2). The engine runs the real strategies and real model families.
 */
class HostileJobSpecsTest {
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-30T12:00:00Z"), ZoneOffset.UTC);

    private static FederationEngine engine(JobLimits limits) {
        return new FederationEngine(StrategyRegistry.builtIn(),
                new EngineSettings(Duration.ofMinutes(2), Duration.ofSeconds(30), 64 << 20, limits), CLOCK);
    }

    private static JobSpec spec(Map<String, Object> overrides) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("algorithm", "fedavg");
        fields.put("totalClients", 4);
        fields.put("clientsPerRound", 2);
        fields.put("rounds", 1);
        fields.put("model", Map.of("family", "cnn", "options", Map.of("conv1", "2", "conv2", "2", "hidden", "4")));
        fields.putAll(overrides);
        return JobSpecReader.fromMap(fields);
    }

    private static String refusal(FederationEngine engine, Map<String, Object> overrides) {
        return assertThrows(InputRejectedException.class, () -> engine.submit("hostile", spec(overrides), null))
                .getMessage();
    }

    private static void assertRefused(String expected, String message) {
        assertTrue(message.contains(expected), () -> "expected '" + expected + "' in: " + message);
    }

    @Test
    void everySizeASpecControlsIsBounded() {
        FederationEngine engine = engine(JobLimits.DEFAULTS);
        assertRefused("totalClients 2147483647 exceeds the limit 100000",
                refusal(engine, Map.of("totalClients", Integer.MAX_VALUE, "clientsPerRound", 1)));
        assertRefused("clientsPerRound 5000 exceeds the limit 1000",
                refusal(engine, Map.of("totalClients", 5000, "clientsPerRound", 5000)));
        assertRefused("rounds 1000000 exceeds", refusal(engine, Map.of("rounds", 1_000_000)));
        assertRefused("localEpochs 1000000 exceeds", refusal(engine, Map.of("localEpochs", 1_000_000)));
        assertRefused("personalizationEpochs 100000 exceeds",
                refusal(engine, Map.of("personalizationEpochs", 100_000)));
        assertRefused("batchSize 1000000 exceeds", refusal(engine, Map.of("batchSize", 1_000_000)));
        assertRefused("maxRoundAttempts 1000000 exceeds", refusal(engine, Map.of("maxRoundAttempts", 1_000_000)));
        // L2: a deadline near Long.MAX overflowed timestamps when the task and checkpoint were encoded.
        assertRefused("roundDeadlineMs 9223372036854775807 exceeds",
                refusal(engine, Map.of("roundDeadlineMs", Long.MAX_VALUE)));
        assertRefused("hyperParameters.fineTuneEpochs 1000000000 exceeds the limit 100", refusal(engine,
                Map.of("algorithm", "fednas", "model", Map.of("family", "darts", "options", Map.of("channels", "2",
                        "layers", "1")), "hyperParameters", Map.of("fineTuneEpochs", "1000000000"))));
        assertRefused("the encoded spec is", refusal(engine, Map.of("name", "x".repeat(2 << 20))));
        assertRefused("darts option layers must be in 1..64", refusal(engine, Map.of("algorithm", "fednas",
                "model", Map.of("family", "darts", "options", Map.of("layers", "1000000")))));
    }

    /** C1: a CNN asking for a billion-element hidden layer is refused from its shapes; nothing is built. */
    @Test
    void aModelTooLargeForAnyMessageIsRefusedWithoutBuildingIt() {
        String message = refusal(engine(JobLimits.DEFAULTS), Map.of("model", Map.of("family", "cnn",
                "options", Map.of("hidden", "1000000"))));
        assertRefused("its checkpoint would be about", message);
        assertRefused("above the 64.0 MiB message limit", message);
    }

    /** C2: FP16 halves the task, but the checkpoint keeps FP32: a 69.6 MB checkpoint could never be written. */
    @Test
    void aJobWhoseFp32CheckpointExceedsTheMessageLimitIsRefusedEvenWhenItsFp16TasksFit() {
        String message = refusal(engine(JobLimits.DEFAULTS), Map.of("tensorDType", "FP16",
                "model", Map.of("family", "cnn", "options", Map.of("hidden", "11000"))));
        assertRefused("its checkpoint would be about 66.3 MiB (17382258 parameters at FP32)", message);
        assertTrue(!message.contains("a task would carry"), message);
    }

    /**
     * H7: the default FedNAS supernet (docs/algorithms/fednas.md) at batch 64 does not fit a 6 GiB worker;
     * a small one does.
     */
    @Test
    void aSearchNoWorkerCanHoldIsRefusedAgainstTheWorkerBudget() {
        JobLimits sixGiB = new JobLimits(100_000, 1_000, 10_000, 100, 4_096, Duration.ofDays(7), 100, 1 << 20,
                100_000, 6L << 30);
        Map<String, Object> fednas = new HashMap<>(Map.of("algorithm", "fednas",
                "model", Map.of("family", "darts", "options", Map.of())));
        String message = refusal(engine(sixGiB), fednas);
        assertRefused("training it would need about", message);
        assertRefused("above the worker budget 6144.0 MiB", message);
        fednas.put("model", Map.of("family", "darts", "options", Map.of("channels", "4", "layers", "3")));
        FederationEngine.Started started = engine(sixGiB).submit("small", spec(fednas), null);
        assertEquals("small", started.job().jobId());
    }

    /** The limits let ordinary jobs through: the normal job after a hostile one starts. */
    @Test
    void anOrdinaryJobIsAccepted() {
        FederationEngine engine = engine(JobLimits.DEFAULTS);
        refusal(engine, Map.of("totalClients", Integer.MAX_VALUE, "clientsPerRound", 1));
        FederationEngine.Started started = engine.submit("normal", spec(Map.of()), null);
        assertTrue(started.decisions().stream().anyMatch(d -> d instanceof Decision.SendTasks));
    }
}
