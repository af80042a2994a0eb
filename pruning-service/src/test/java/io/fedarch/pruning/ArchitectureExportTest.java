package io.fedarch.pruning;

import io.fedarch.core.darts.DartsFamily;
import io.fedarch.core.darts.DerivedFamily;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.fedarch.broker.KafkaBrokerTestResource;
import io.fedarch.core.darts.CellTopology;
import io.fedarch.core.darts.Genotype;
import io.fedarch.core.darts.SearchNetwork;
import io.fedarch.core.darts.WeightInheritance;
import io.fedarch.core.export.SafetensorsReader;
import io.fedarch.core.model.ModelInitializer;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.events.*;
import io.fedarch.events.spec.DerivedJobs;
import io.fedarch.events.spec.JobSpecReader;
import io.fedarch.events.wire.TopicTap;
import io.fedarch.events.wire.Topics;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The pruning service's FedNAS path on a real broker: a searched supernet with known α must come
 * out as the DARTS genotype, α tables, cell picture and a derived network with inherited weights;
 * with fine-tuning it must submit the FedAvg job and deliver that job's result under the search's
 * id; personalized models must become per-client model-ready events with the client's genotype.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerTestResource.class)
class ArchitectureExportTest {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final List<String> OPS = List.of("none", "max_pool_3x3", "skip_connect", "sep_conv_3x3", "dil_conv_3x3");
    /** What the α below selects: node j keeps the edges from states j and j+1, in that order (op by parity). */
    static final String EXPECTED = "[('sep_conv_3x3', 0), ('max_pool_3x3', 1), ('max_pool_3x3', 1), "
            + "('sep_conv_3x3', 2), ('sep_conv_3x3', 2), ('max_pool_3x3', 3), ('max_pool_3x3', 3), ('sep_conv_3x3', 4)]";
    private static TopicTap tap;

    @BeforeAll
    static void connect() {
        tap = new TopicTap(ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class));
    }

    @AfterAll
    static void disconnect() {
        tap.close();
    }

    static JobSpec search(int fineTuneRounds) {
        return JobSpecReader.fromMap(Map.of(
                "algorithm", "fednas", "totalClients", 2, "clientsPerRound", 2, "rounds", 3, "batchSize", 32,
                "learningRate", 0.025, "personalizationEpochs", 1,
                "model", Map.of("family", "darts", "options",
                        // The collapse guard off: the hand-set α below selects 4 pools per normal cell.
                        Map.of("channels", 2, "layers", 3, "stemStride", 2, "ops", String.join(",", OPS),
                                "maxParameterFree", 8)),
                "data", Map.of("trainLimit", 600, "testLimit", 300, "partition", Map.of("scheme", "IID")),
                "hyperParameters", Map.of("fineTuneRounds", Integer.toString(fineTuneRounds), "fineTuneEpochs", "2")));
    }

    /** A seeded supernet whose α strongly selects {@link #EXPECTED} in both cell types. */
    static ModelParameters supernet(JobSpec spec, int flip) {
        ModelParameters init = ModelInitializer.initialize(spec.getModel(), 5);
        List<NamedTensor> tensors = new ArrayList<>();
        for (NamedTensor t : init.tensors()) {
            if (t.name().equals(SearchNetwork.ALPHA_NORMAL) || t.name().equals(SearchNetwork.ALPHA_REDUCE)) {
                float[] alpha = new float[CellTopology.EDGES * OPS.size()];
                for (int node = 0; node < CellTopology.NODES; node++) {
                    for (int source = 0; source <= node + 1; source++) {
                        int row = CellTopology.edge(source, node) * OPS.size();
                        boolean kept = source == node || source == node + 1;
                        int op = (source + flip) % 2 == 0 ? OPS.indexOf("sep_conv_3x3") : OPS.indexOf("max_pool_3x3");
                        // The lower input a little stronger: exact ties would be broken by rounding.
                        alpha[row + (kept ? op : 0)] = kept && source == node ? 5f : 4f;
                    }
                }
                tensors.add(new NamedTensor(t.name(), t.shape(), alpha));
            } else {
                tensors.add(t);
            }
        }
        return new ModelParameters(tensors);
    }

    static SearchCompleted completed(String jobId, JobSpec spec, SearchStatus status, ModelParameters model) {
        return SearchCompleted.newBuilder().setEventId(UUID.randomUUID().toString()).setJobId(jobId)
                .setTimestamp(Instant.now()).setStatus(status).setSpec(spec).setRoundsCompleted(spec.getRounds())
                .setModelVersion(spec.getRounds()).setSearchMs(5000)
                .setReason(status == SearchStatus.FAILED ? "round 1: only 0 of 2 clients reported" : null)
                .setFinalModel(model == null ? null : TensorCodec.toAvro(model, DType.FP32)).build();
    }

    @Test
    void searchBecomesGenotypeArtefactsAndAFineTuningJobWhoseResultIsTheSearchsModel() throws Exception {
        JobSpec spec = search(4);
        ModelParameters supernet = supernet(spec, 0);
        String jobId = "fednas-" + UUID.randomUUID();
        try (var jobs = tap.follow(Topics.JOBS, JobSubmitted.class);
             var ready = tap.follow(Topics.MODELS_READY, ModelReady.class)) {
            tap.send(Topics.SEARCH_COMPLETIONS, jobId, completed(jobId, spec, SearchStatus.SUCCEEDED, supernet));

            JobSubmitted fineTune = jobs.await(1, j -> j.getJobId().equals(DerivedJobs.fineTuneJobId(jobId)), WAIT).get(0);
            JobSpec tuned = fineTune.getSpec();
            assertEquals("fedavg", tuned.getAlgorithm());
            assertEquals(jobId, tuned.getParentJobId());
            // fineTuneRounds 4 between two federated BN statistics passes (fineTuneStatisticsPass defaults to 1).
            assertEquals(6, tuned.getRounds());
            assertEquals("1", tuned.getHyperParameters().get("statisticsPass"));
            assertEquals("1", tuned.getHyperParameters().get("finalStatisticsPass"));
            assertEquals(2, tuned.getLocalEpochs());
            assertEquals(0, tuned.getPersonalizationEpochs());
            assertEquals(DerivedFamily.NAME, tuned.getModel().getFamily());
            Genotype genotype = Genotype.fromJson(tuned.getModel().getOptions().get("genotype")).validate();
            assertEquals(EXPECTED, genotype.toString().replaceAll("Genotype\\(normal=(\\[.*?\\]).*", "$1"));
            // The fine-tuning starts from exactly the weights the derived network inherits from the supernet.
            ModelParameters inherited = WeightInheritance.fromSupernet(supernet,
                    DartsFamily.options(spec.getModel()), genotype);
            ModelParameters initial = TensorCodec.fromAvro(fineTune.getInitialModel());
            for (NamedTensor t : inherited.tensors()) {
                assertArrayEquals(t.values(), initial.get(t.name()).values(), t.name());
            }
            assertTrue(ready.during(Duration.ofSeconds(2), m -> m.getJobId().equals(jobId)).isEmpty(),
                    "no model before the fine-tuning is done");

            // The coordinator would now run the fine-tuning job; its completion is the search's model.
            tap.send(Topics.SEARCH_COMPLETIONS, fineTune.getJobId(),
                    completed(fineTune.getJobId(), tuned, SearchStatus.SUCCEEDED, initial));
            ModelReady model = ready.await(1, m -> m.getJobId().equals(jobId), WAIT).get(0);
            assertEquals(ModelScope.GLOBAL, model.getScope());
            assertEquals("fednas", model.getAlgorithm());
            assertEquals(genotype, Genotype.fromJson(model.getArchitecture()).validate());
            assertEquals(300, model.getTestSamples());
            assertTrue(model.getTestAccuracy() >= 0 && model.getTestAccuracy() <= 1);
            assertEquals(inherited.elementCount(), model.getParameterCount());
            // The search's rounds plus the fine-tuning job's: 4 fine-tuning rounds between two statistics passes.
            assertEquals(spec.getRounds() + 6, model.getRoundsCompleted());

            Path global = Path.of(model.getArtifactUri());
            Path searchDir = global.getParent().resolve("search");
            for (String file : List.of("model.safetensors", "model.onnx", "model.json", "genotype.json", "cells.svg")) {
                assertTrue(Files.size(global.resolve(file)) > 0, file);
            }
            for (String file : List.of("supernet.safetensors", "alphas.json", "alphas.csv", "genotype.json", "cells.svg",
                    "search.json", "derived-inherited.safetensors")) {
                assertTrue(model.getFiles().stream().anyMatch(f -> f.getPath().equals(searchDir.resolve(file).toString())),
                        file + " listed in " + model.getFiles());
            }
            assertEquals(1 + 2 * CellTopology.EDGES * OPS.size(), Files.readAllLines(searchDir.resolve("alphas.csv")).size());
            assertTrue(Files.readString(global.resolve("cells.svg")).contains("sep_conv_3x3"));
            Map<?, ?> description = new ObjectMapper().readValue(global.resolve("model.json").toFile(), Map.class);
            assertEquals(jobId, ((Map<?, ?>) description.get("search")).get("jobId"));
            assertEquals(fineTune.getJobId(), ((Map<?, ?>) description.get("fineTuning")).get("jobId"));
            assertArrayEquals(initial.get("classifier.weight").values(),
                    SafetensorsReader.read(global.resolve("model.safetensors")).parameters().get("classifier.weight").values());
        }
    }

    @Test
    void withoutFineTuningTheDerivedNetworkShipsAtOnceAndAFailedFineTuningLosesNothing() {
        JobSpec direct = search(0);
        String directId = "direct-" + UUID.randomUUID();
        JobSpec withTuning = search(2);
        String tunedId = "tuned-" + UUID.randomUUID();
        try (var jobs = tap.follow(Topics.JOBS, JobSubmitted.class);
             var ready = tap.follow(Topics.MODELS_READY, ModelReady.class)) {
            tap.send(Topics.SEARCH_COMPLETIONS, directId,
                    completed(directId, direct, SearchStatus.SUCCEEDED, supernet(direct, 0)));
            ModelReady model = ready.await(1, m -> m.getJobId().equals(directId), WAIT).get(0);
            assertEquals(direct.getRounds(), model.getRoundsCompleted());
            assertEquals(EXPECTED, Genotype.fromJson(model.getArchitecture()).toString()
                    .replaceAll("Genotype\\(normal=(\\[.*?\\]).*", "$1"));

            tap.send(Topics.SEARCH_COMPLETIONS, tunedId,
                    completed(tunedId, withTuning, SearchStatus.SUCCEEDED, supernet(withTuning, 1)));
            JobSubmitted fineTune = jobs.await(1, j -> j.getJobId().equals(DerivedJobs.fineTuneJobId(tunedId)), WAIT).get(0);
            tap.send(Topics.SEARCH_COMPLETIONS, fineTune.getJobId(),
                    completed(fineTune.getJobId(), fineTune.getSpec(), SearchStatus.FAILED, null));
            ModelReady fallback = ready.await(1, m -> m.getJobId().equals(tunedId), WAIT).get(0);
            assertEquals(fineTune.getSpec().getModel().getOptions().get("genotype"), fallback.getArchitecture());
            assertEquals(withTuning.getRounds(), fallback.getRoundsCompleted());
        }
    }

    @Test
    void personalizedModelsBecomeClientModelsWithTheirOwnGenotype() throws Exception {
        JobSpec spec = search(0);
        String jobId = "personal-" + UUID.randomUUID();
        try (var ready = tap.follow(Topics.MODELS_READY, ModelReady.class);
             var deadLetters = tap.follow(Topics.DEAD_LETTERS, DeadLetter.class)) {
            for (int client = 0; client < 2; client++) {
                tap.send(Topics.PERSONALIZED_MODELS, jobId, personalized(jobId, spec, client, 0.8 + 0.1 * client,
                        TensorCodec.toAvro(supernet(spec, client), DType.FP32)));
            }
            tap.send(Topics.PERSONALIZED_MODELS, jobId, personalized(jobId, spec, 7, 1.5,
                    TensorCodec.toAvro(supernet(spec, 0), DType.FP32)));
            List<ModelReady> models = ready.await(2, m -> m.getJobId().equals(jobId), WAIT);
            DeadLetter letter = deadLetters.await(1, d -> jobId.equals(d.getJobId()), WAIT).get(0);
            assertTrue(letter.getReason().contains("accuracy 1.5"), letter.getReason());
            for (ModelReady model : models) {
                int client = model.getClientId();
                assertEquals(ModelScope.CLIENT, model.getScope());
                assertEquals(0.8 + 0.1 * client, model.getTestAccuracy(), 1e-12);
                assertEquals(123, model.getTestSamples());
                assertTrue(model.getArtifactUri().endsWith("clients/" + client), model.getArtifactUri());
                Genotype genotype = Genotype.fromJson(model.getArchitecture()).validate();
                // Client 1's α picks the other operation on every kept edge: its own architecture.
                String firstGene = genotype.normal().get(0).operation();
                assertEquals(client == 0 ? "sep_conv_3x3" : "max_pool_3x3", firstGene);
                assertTrue(Files.size(Path.of(model.getArtifactUri(), "cells.svg")) > 0);
            }
        }
    }

    static PersonalizedModel personalized(String jobId, JobSpec spec, int client, double accuracy, ModelState state) {
        return PersonalizedModel.newBuilder().setEventId(UUID.randomUUID().toString()).setJobId(jobId)
                .setTimestamp(Instant.now()).setClientId(client).setWorkerId("test-worker").setBaseModelVersion(3)
                .setSpec(spec).setModelState(state)
                .setMetrics(ClientMetrics.newBuilder().setTrainLoss(0.5).setTrainAccuracy(0.8).setValidationLoss(0.6)
                        .setValidationAccuracy(0.75).setGlobalValidationAccuracy(0.5).setValidationSamples(40)
                        .setSteps(10).setComputeMs(900).setUpdateBytes(1000).build())
                .setLocalTestAccuracy(accuracy).setLocalTestLoss(0.4).setLocalTestSamples(123).build();
    }
}
