package io.fedarch.coordinator;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fedarch.broker.KafkaBrokerTestResource;
import io.fedarch.core.darts.OperationMask;
import io.fedarch.core.algorithms.fedmetanas.FedMetaNas;
import io.fedarch.core.strategy.ServerState;
import io.fedarch.core.strategy.ServerStateCodec;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.events.*;
import io.fedarch.events.wire.TopicTap;
import io.fedarch.events.wire.Topics;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A FedMetaNAS job on a real broker, the test speaking both the workers' and the pruning
 * service's side: rounds wait for the mask, tasks carry it, a bad mask is a dead letter, and a
 * missing one does not stall the job.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerTestResource.class)
class SoftPruningFlowTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final List<String> OPS = List.of("none", "max_pool_3x3", "skip_connect", "sep_conv_3x3");
    private static TopicTap tap;

    @BeforeAll
    static void connect() {
        tap = new TopicTap(ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class));
    }

    @AfterAll
    static void disconnect() {
        tap.close();
    }

    private static JobSpec metaJob() {
        return FederationFlowTest.tinyJob(Map.of("algorithm", "fedmetanas", "rounds", 3, "clientsPerRound", 2,
                "totalClients", 2, "archLearningRate", 0.003,
                "data", Map.of("partition", Map.of("scheme", "IID", "validationFraction", 0.25)),
                "model", Map.of("family", "darts", "options", Map.of("channels", "2", "layers", "3", "stemStride", "2",
                        "ops", String.join(",", OPS)))));
    }

    private static OperationMask mask(List<String> ops, float prunedFactor) {
        float[] factors = new float[14 * ops.size()];
        for (int e = 0; e < 14; e++) {
            for (int o = 0; o < ops.size(); o++) {
                factors[e * ops.size() + o] = o == 1 ? prunedFactor : 1f;
            }
        }
        return new OperationMask(ops, factors, factors);
    }

    /** The pruning service's event: the mask for observers, and the server state holding it, which the coordinator applies. */
    private static ArchitectureMask maskEvent(String jobId, int round, OperationMask mask) {
        return ArchitectureMask.newBuilder().setEventId(UUID.randomUUID().toString()).setJobId(jobId)
                .setTimestamp(Instant.now()).setRound(round).setTotalRounds(3).setThreshold(0.5).setMask(mask.toAvro())
                .setStrategyState(ServerStateCodec.toAvro(FedMetaNas.withMask(ServerState.EMPTY, mask)))
                .setActiveOperations(0).setDecayingOperations(0).setTotalOperations(112).setActiveEdges(28)
                .setGenotype("{}").build();
    }

    /** The mask a task carries in its payload. */
    private static OperationMask taskMask(ClientTask task) {
        return OperationMask.fromTensors(OPS, TensorCodec.fromAvro(task.getPayload()), FedMetaNas.MASK);
    }

    /** The mask a server state holds. */
    private static OperationMask stateMask(StrategyState state) {
        return OperationMask.fromTensors(OPS, TensorCodec.fromAvro(state.getTensors()), FedMetaNas.MASK);
    }

    private static void answer(List<ClientTask> tasks, String jobId) {
        for (ClientTask task : tasks) {
            tap.send(Topics.CLIENT_UPDATES, jobId, FederationFlowTest.constantUpdate(task, 0.5f, 10));
        }
    }

    @Test
    void roundsWaitForTheMaskAndCarryIt() {
        String jobId = "meta-" + UUID.randomUUID();
        try (var tasks = tap.follow(Topics.CLIENT_TASKS, ClientTask.class);
             var globals = tap.follow(Topics.GLOBAL_MODELS, GlobalModel.class);
             var deadLetters = tap.follow(Topics.DEAD_LETTERS, DeadLetter.class);
             var completions = tap.follow(Topics.SEARCH_COMPLETIONS, SearchCompleted.class)) {
            tap.send(Topics.JOBS, jobId, FederationFlowTest.submission(jobId, metaJob()));

            List<ClientTask> first = tasks.await(2, t -> t.getJobId().equals(jobId) && t.getRound() == 1, WAIT);
            assertEquals(mask(OPS, 1f), taskMask(first.get(0)), "round 1 searches the whole space");
            assertEquals("10.0", first.get(0).getRoundConfig().get("temperature"));
            answer(first, jobId);
            GlobalModel global = globals.await(1, g -> g.getJobId().equals(jobId) && g.getRound() == 1, WAIT).get(0);
            assertNotNull(global.getSpec(), "the pruning service needs the job");
            assertEquals(mask(OPS, 1f), stateMask(global.getStrategyState()), "the state the round ran with");

            // No round 2 before its mask: the coordinator waits for the pruning service.
            assertTrue(tasks.during(Duration.ofSeconds(2), t -> t.getJobId().equals(jobId) && t.getRound() == 2).isEmpty());

            // Masks that do not fit the model or the round are dead letters with their reason.
            tap.send(Topics.ARCHITECTURE_MASKS, jobId, maskEvent(jobId, 1, mask(List.of("a", "b", "c", "d"), 0f)));
            assertTrue(deadLetters.await(1, d -> jobId.equals(d.getJobId()), WAIT).get(0).getReason()
                    .contains("does not fit"));
            tap.send(Topics.ARCHITECTURE_MASKS, jobId, maskEvent(jobId, 2, mask(OPS, 0f)));
            assertTrue(deadLetters.await(1, d -> jobId.equals(d.getJobId()), WAIT).get(0).getReason()
                    .contains("not awaited"));

            OperationMask pruned = mask(OPS, 0f);
            tap.send(Topics.ARCHITECTURE_MASKS, jobId, maskEvent(jobId, 1, pruned));
            List<ClientTask> second = tasks.await(2, t -> t.getJobId().equals(jobId) && t.getRound() == 2, WAIT);
            for (ClientTask task : second) {
                assertEquals(pruned, taskMask(task), "round 2 searches in the published mask");
            }
            answer(second, jobId);

            // No mask after round 2: after fedarch.coordinator.mask-wait (4 s in tests) round 3 goes on in the current one.
            Instant closed = Instant.now();
            List<ClientTask> third = tasks.await(2, t -> t.getJobId().equals(jobId) && t.getRound() == 3, WAIT);
            assertTrue(Duration.between(closed, Instant.now()).toMillis() >= 3000, "waited for the mask first");
            assertEquals(pruned, taskMask(third.get(0)));
            answer(third, jobId);

            SearchCompleted done = completions.await(1, c -> c.getJobId().equals(jobId), WAIT).get(0);
            assertEquals(SearchStatus.SUCCEEDED, done.getStatus());
            assertEquals(pruned, stateMask(done.getStrategyState()), "the export needs the mask the final model searched in");
            // A mask after the last round is expected (the pruning service masks every round), not an error.
            tap.send(Topics.ARCHITECTURE_MASKS, jobId, maskEvent(jobId, 3, pruned));
            assertTrue(deadLetters.during(Duration.ofSeconds(2), d -> jobId.equals(d.getJobId())).isEmpty());
        }
    }
}
