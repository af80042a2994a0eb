package io.fedarch.pruning;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.fedarch.broker.KafkaBrokerTestResource;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.fedarch.core.data.FashionMnist;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.data.ShardProvider;
import io.fedarch.core.export.onnx.OnnxExport;
import io.fedarch.core.export.SafetensorsReader;
import io.fedarch.core.algorithms.fedavg.FedAvg;
import io.fedarch.core.federation.InProcessFederation;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.events.*;
import io.fedarch.events.spec.JobSpecReader;
import io.fedarch.events.wire.TopicTap;
import io.fedarch.events.wire.Topics;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The exporter on a real broker: a model trained for real on Fashion-MNIST arrives in a
 * search-completed event; the service must evaluate it on the test set, write the files and
 * announce them in a model-ready event.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerTestResource.class)
class ModelExportTest {
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

    static JobSpec tinyJob() {
        return JobSpecReader.fromMap(Map.of(
                "totalClients", 2, "clientsPerRound", 2, "rounds", 2, "localEpochs", 1, "batchSize", 32,
                "learningRate", 0.02,
                "model", Map.of("family", "cnn", "options", Map.of("conv1", 8, "conv2", 16, "hidden", 32)),
                "data", Map.of("trainLimit", 3000, "testLimit", 1000, "partition", Map.of("scheme", "IID"))));
    }

    static SearchCompleted completion(String jobId, JobSpec spec, SearchStatus status, ModelState model) {
        return SearchCompleted.newBuilder().setEventId(UUID.randomUUID().toString()).setJobId(jobId)
                .setTimestamp(Instant.now()).setStatus(status).setSpec(spec).setRoundsCompleted(spec.getRounds())
                .setModelVersion(spec.getRounds()).setFinalModel(model).setSearchMs(1234)
                .setReason(status == SearchStatus.FAILED ? "test failure" : null).build();
    }

    @Test
    void evaluatesExportsAndAnnouncesTheFinalModel() throws Exception {
        JobSpec spec = tinyJob();
        ModelParameters trained = new InProcessFederation(new FedAvg(), ShardProvider.withDefaults())
                .run(spec, null, 0, report -> { }).model();
        String jobId = "export-" + UUID.randomUUID();
        try (var ready = tap.follow(Topics.MODELS_READY, ModelReady.class)) {
            tap.send(Topics.SEARCH_COMPLETIONS, jobId,
                    completion(jobId, spec, SearchStatus.SUCCEEDED, TensorCodec.toAvro(trained, DType.FP32)));
            ModelReady model = ready.await(1, m -> m.getJobId().equals(jobId), WAIT).get(0);

            assertEquals(ModelScope.GLOBAL, model.getScope());
            assertEquals(1000, model.getTestSamples());
            assertTrue(model.getTestAccuracy() > 0.5, "trained model on the real test set: " + model.getTestAccuracy());
            assertEquals(trained.elementCount(), model.getParameterCount());
            assertTrue(model.getMacs() > model.getParameterCount(), "convolutions reuse weights across positions");
            assertEquals("safetensors", model.getFormat());
            assertEquals(List.of("model.safetensors", "model.onnx", "model.json"),
                    model.getFiles().stream().map(f -> Path.of(f.getPath()).getFileName().toString()).toList());

            for (Artifact file : model.getFiles()) {
                byte[] bytes = Files.readAllBytes(Path.of(file.getPath()));
                assertEquals(file.getSizeBytes(), bytes.length);
                assertEquals(file.getSha256(),
                        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
            }
            Path weights = Path.of(model.getArtifactUri(), "model.safetensors");
            ModelParameters exported = SafetensorsReader.read(weights).parameters();
            for (NamedTensor t : trained.tensors()) {
                assertArrayEquals(t.values(), exported.get(t.name()).values(), t.name());
            }
            Map<?, ?> description = new ObjectMapper().readValue(Path.of(model.getArtifactUri(), "model.json").toFile(),
                    Map.class);
            assertEquals(model.getTestAccuracy(), ((Number) description.get("testAccuracy")).doubleValue(), 1e-12);
            assertEquals(jobId, description.get("jobId"));
            assertTrue(model.getArchitecture().contains("conv1"), model.getArchitecture());
            assertEquals("model.onnx", ((Map<?, ?>) description.get("onnx")).get("file"));
            // ONNX Runtime classifies the same 1000 held-out images as DJL did (a near-tie may flip one).
            assertEquals(model.getTestAccuracy(), onnxRuntimeAccuracy(Path.of(model.getArtifactUri(), "model.onnx")),
                    1.5e-3);
        }
    }

    private static double onnxRuntimeAccuracy(Path model) throws Exception {
        ImageDataset test = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TEST, 1000);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(model.toString(), new OrtSession.SessionOptions());
             OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(test.pixels()),
                     new long[] {test.size(), test.channels(), test.height(), test.width()});
             OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, input))) {
            float[][] logits = (float[][]) result.get(OnnxExport.OUTPUT).orElseThrow().getValue();
            int hits = 0;
            for (int i = 0; i < logits.length; i++) {
                int best = 0;
                for (int c = 1; c < logits[i].length; c++) {
                    best = logits[i][c] > logits[i][best] ? c : best;
                }
                hits += best == test.labels()[i] ? 1 : 0;
            }
            return (double) hits / logits.length;
        }
    }

    /**
     * Review M8: the evaluator reads the job's test set from its data.dataDir; one outside the
     * service's allowed roots (here another tenant's IDX files) is refused before anything is read,
     * evaluated, written or announced.
     */
    @Test
    void aSearchWhoseDataDirIsOutsideTheAllowedRootsBecomesADeadLetterAndDeliversNothing() throws Exception {
        Path otherTenant = Files.createTempDirectory("other-tenant");
        Path shared = ShardProvider.withDefaults().dataDir(tinyJob());
        try (var files = Files.list(shared)) {
            for (Path f : files.toList()) {
                Files.createSymbolicLink(otherTenant.resolve(f.getFileName()), f);
            }
        }
        JobSpec spec = tinyJob();
        spec.getData().setDataDir(otherTenant.toString());
        String jobId = "elsewhere-" + UUID.randomUUID();
        ModelState model = TensorCodec.toAvro(new FedAvg().initialize(spec), DType.FP32);
        try (var ready = tap.follow(Topics.MODELS_READY, ModelReady.class);
             var deadLetters = tap.follow(Topics.DEAD_LETTERS, DeadLetter.class)) {
            tap.send(Topics.SEARCH_COMPLETIONS, jobId, completion(jobId, spec, SearchStatus.SUCCEEDED, model));
            DeadLetter letter = deadLetters.await(1, d -> jobId.equals(d.getJobId()), WAIT).get(0);
            assertEquals(Topics.SEARCH_COMPLETIONS, letter.getSourceTopic());
            assertTrue(letter.getReason().contains("data.dataDir '" + otherTenant + "' is not under a dataset root "
                    + "this service allows"), letter.getReason());
            assertTrue(ready.during(Duration.ofSeconds(2), m -> m.getJobId().equals(jobId)).isEmpty());
        } finally {
            try (var links = Files.list(otherTenant)) {
                for (Path link : links.toList()) {
                    Files.delete(link);
                }
            }
            Files.delete(otherTenant);
        }
    }

    @Test
    void failedSearchesProduceNoModelAndBadOnesADeadLetter() {
        JobSpec spec = tinyJob();
        String failed = "failed-" + UUID.randomUUID();
        String broken = "broken-" + UUID.randomUUID();
        ModelState wrongShapes = TensorCodec.toAvro(new ModelParameters(List.of(
                new NamedTensor("conv1.weight", new int[]{2}, new float[]{1f, 2f}))), DType.FP32);
        try (var ready = tap.follow(Topics.MODELS_READY, ModelReady.class);
             var deadLetters = tap.follow(Topics.DEAD_LETTERS, DeadLetter.class)) {
            tap.send(Topics.SEARCH_COMPLETIONS, failed, completion(failed, spec, SearchStatus.FAILED, null));
            tap.send(Topics.SEARCH_COMPLETIONS, broken, completion(broken, spec, SearchStatus.SUCCEEDED, wrongShapes));
            DeadLetter letter = deadLetters.await(1, d -> broken.equals(d.getJobId()), WAIT).get(0);
            assertEquals(Topics.SEARCH_COMPLETIONS, letter.getSourceTopic());
            assertFalse(letter.getReason().isBlank());
            assertTrue(ready.during(Duration.ofSeconds(2), m -> m.getJobId().equals(failed)
                    || m.getJobId().equals(broken)).isEmpty());
        }
    }
}
