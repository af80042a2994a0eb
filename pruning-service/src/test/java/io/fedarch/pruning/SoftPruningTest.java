package io.fedarch.pruning;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fedarch.broker.KafkaBrokerTestResource;
import io.fedarch.core.darts.Genotype;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.events.*;
import io.fedarch.events.spec.JobSpecReader;
import io.fedarch.events.wire.TopicTap;
import io.fedarch.events.wire.Topics;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The pruning service's FedMetaNAS path on a real broker: a mask after every global model of a
 * pruning search (shrinking to the genotype's path), nothing for other algorithms, a dead letter
 * for a global model it cannot prune, and at the end the surviving path exported without
 * retraining, with the relaxed supernet's accuracy beside the discrete model's.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerTestResource.class)
class SoftPruningTest {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static TopicTap tap;

    @BeforeAll
    static void connect() {
        tap = new TopicTap(ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class));
    }

    @AfterAll
    static void disconnect() {
        tap.close();
    }

    /** ArchitectureExportTest's FedNAS job, as FedMetaNAS with 4 rounds: threshold 0 after round 1, 1 after round 2. */
    static JobSpec metaSearch() {
        JobSpec fednas = ArchitectureExportTest.search(0);
        Map<String, Object> job = new HashMap<>();
        job.put("algorithm", "fedmetanas");
        job.put("rounds", 4);
        job.put("totalClients", 2);
        job.put("clientsPerRound", 2);
        job.put("archLearningRate", 0.003);
        job.put("model", Map.of("family", "darts", "options", fednas.getModel().getOptions()));
        job.put("data", Map.of("trainLimit", 600, "testLimit", 300,
                "partition", Map.of("scheme", "IID", "validationFraction", 0.25)));
        return JobSpecReader.fromMap(job);
    }

    static GlobalModel global(String jobId, String algorithm, JobSpec spec, int round, ModelParameters model,
                              StrategyState state) {
        return GlobalModel.newBuilder().setEventId(UUID.randomUUID().toString()).setJobId(jobId)
                .setTimestamp(Instant.now()).setRound(round).setTotalRounds(4).setModelVersion(round)
                .setAlgorithm(algorithm).setParticipants(List.of(0, 1))
                .setModelState(TensorCodec.toAvro(model, DType.FP32))
                .setMetrics(RoundMetrics.newBuilder().setClientsSelected(2).setClientsReported(2).setSampleCount(10)
                        .setTrainLoss(1).setValidationAccuracy(0.5).setGlobalValidationAccuracy(0.5).setRoundMs(10)
                        .setAggregationMs(1).setMeanClientComputeMs(5).setMaxClientComputeMs(5).setUpdateBytes(1).build())
                .setSpec(spec).setStrategyState(state).build();
    }

    @Test
    void masksShrinkToTheGenotypeWhichIsExportedWithoutRetraining() throws Exception {
        JobSpec spec = metaSearch();
        ModelParameters supernet = ArchitectureExportTest.supernet(spec, 0);
        String jobId = "fedmetanas-" + UUID.randomUUID();
        int total = 2 * 14 * 5;
        try (var masks = tap.follow(Topics.ARCHITECTURE_MASKS, ArchitectureMask.class);
             var deadLetters = tap.follow(Topics.DEAD_LETTERS, DeadLetter.class);
             var jobs = tap.follow(Topics.JOBS, JobSubmitted.class);
             var ready = tap.follow(Topics.MODELS_READY, ModelReady.class)) {
            tap.send(Topics.GLOBAL_MODELS, jobId, global(jobId, "fedmetanas", spec, 1, supernet, null));
            ArchitectureMask first = masks.await(1, m -> m.getJobId().equals(jobId) && m.getRound() == 1, WAIT).get(0);
            assertEquals(0.0, first.getThreshold());
            assertEquals(total, first.getActiveOperations(), "nothing pruned at threshold 0");

            tap.send(Topics.GLOBAL_MODELS, jobId, global(jobId, "fedmetanas", spec, 2, supernet, first.getStrategyState()));
            ArchitectureMask second = masks.await(1, m -> m.getJobId().equals(jobId) && m.getRound() == 2, WAIT).get(0);
            assertEquals(1.0, second.getThreshold());
            assertEquals(total, second.getActiveOperations(), "soft: weak operations decay, they are not cut at once");
            assertEquals(total - 16, second.getDecayingOperations());

            tap.send(Topics.GLOBAL_MODELS, jobId, global(jobId, "fedmetanas", spec, 3, supernet, second.getStrategyState()));
            ArchitectureMask third = masks.await(1, m -> m.getJobId().equals(jobId) && m.getRound() == 3, WAIT).get(0);
            assertEquals(16, third.getActiveOperations(), "two decay rounds later only the genotype's 2 x 8 remain");
            assertEquals(0, third.getDecayingOperations());
            assertEquals(16, third.getActiveEdges());
            assertEquals(ArchitectureExportTest.EXPECTED, Genotype.fromJson(third.getGenotype()).toString()
                    .replaceAll("Genotype\\(normal=(\\[.*?\\]).*", "$1"));

            // Other algorithms' global models are not pruned; a pruning search's model without its job is refused.
            tap.send(Topics.GLOBAL_MODELS, "fedavg-" + jobId, global("fedavg-" + jobId, "fedavg", spec, 1, supernet, null));
            GlobalModel noSpec = global(jobId + "-nospec", "fedmetanas", spec, 1, supernet, null);
            noSpec.setSpec(null);
            tap.send(Topics.GLOBAL_MODELS, noSpec.getJobId(), noSpec);
            assertTrue(deadLetters.await(1, d -> noSpec.getJobId().equals(d.getJobId()) || noSpec.getJobId().equals(d.getKey()),
                    WAIT).get(0).getReason().contains("no job spec"));
            assertTrue(masks.during(Duration.ofSeconds(2), m -> m.getJobId().startsWith("fedavg-")).isEmpty());

            // The search completes in the discrete mask: its surviving path is the model, as trained.
            SearchCompleted done = ArchitectureExportTest.completed(jobId, spec, SearchStatus.SUCCEEDED, supernet);
            done.setStrategyState(third.getStrategyState());
            tap.send(Topics.SEARCH_COMPLETIONS, jobId, done);
            ModelReady model = ready.await(1, m -> m.getJobId().equals(jobId), WAIT).get(0);
            assertEquals(ModelScope.GLOBAL, model.getScope());
            assertEquals(4, model.getRoundsCompleted(), "no fine-tuning rounds");
            Double relaxed = model.getMetrics().get("relaxedSupernetTestAccuracy");
            assertNotNull(relaxed, "relaxed supernet accuracy reported: " + model.getMetrics());
            assertEquals(relaxed - model.getTestAccuracy(), model.getMetrics().get("discretizationGap"), 1e-12);
            assertEquals(0.0, model.getMetrics().get("discretizationGap"), 0.01,
                    "the discrete mask leaves nothing to discretize");
            assertTrue(Files.size(Path.of(model.getArtifactUri()).getParent().resolve("search").resolve("mask.json")) > 0);
            assertTrue(jobs.during(Duration.ofSeconds(2), j -> j.getJobId().startsWith(jobId)).isEmpty(),
                    "FedMetaNAS submits no fine-tuning job");
        }
    }
}
