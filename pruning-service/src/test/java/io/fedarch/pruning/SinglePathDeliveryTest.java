package io.fedarch.pruning;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.fedarch.broker.KafkaBrokerTestResource;
import io.fedarch.core.darts.DartsFamily;
import io.fedarch.core.darts.MixingMode;
import io.fedarch.core.darts.Relaxation;
import io.fedarch.core.darts.SearchNetwork;
import io.fedarch.core.darts.SinglePath;
import io.fedarch.core.data.FashionMnist;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.export.onnx.OnnxExport;
import io.fedarch.core.model.BlockParameters;
import io.fedarch.core.model.Engines;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.model.ModelInitializer;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.events.*;
import io.fedarch.events.spec.JobSpecReader;
import io.fedarch.events.wire.TopicTap;
import io.fedarch.events.wire.Topics;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A PerFedRLNAS client's personalized model on a real broker: the weights are the whole supernet, the
 * architecture the single path the client echoed. The delivered model.onnx must be that path alone —
 * ONNX Runtime gives the logits DJL's supernet computes with the path's one-hot mask, on real test
 * images — not the relaxed supernet the same weights also describe.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerTestResource.class)
class SinglePathDeliveryTest {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final int IMAGES = 64;
    private static TopicTap tap;

    @BeforeAll
    static void connect() {
        tap = new TopicTap(ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class));
    }

    @AfterAll
    static void disconnect() {
        tap.close();
    }

    @Test
    void aClientsSinglePathIsDeliveredAsItsOwnOnnxNetwork() throws Exception {
        JobSpec spec = JobSpecReader.fromMap(Map.of(
                "algorithm", "perfedrlnas", "totalClients", 2, "clientsPerRound", 2, "rounds", 2, "batchSize", 32,
                "learningRate", 0.05, "personalizationEpochs", 1,
                "model", Map.of("family", "darts", "options", Map.of("channels", 2, "layers", 3, "stemStride", 2)),
                "data", Map.of("trainLimit", 600, "testLimit", 300, "partition", Map.of("scheme", "IID"))));
        List<String> ops = DartsFamily.options(spec.getModel()).operationNames();
        Random random = new Random(4);
        SinglePath path = new SinglePath(ops, random.ints(14, 0, ops.size()).toArray(),
                random.ints(14, 0, ops.size()).toArray());
        ModelParameters supernet = ModelInitializer.initialize(spec.getModel(), 9);
        PersonalizedModel personalized = ArchitectureExportTest.personalized("single-path-" + UUID.randomUUID(),
                spec, 1, 0.7, TensorCodec.toAvro(supernet, DType.FP32));
        personalized.getMetrics().setCustom(Map.copyOf(path.toMetrics()));
        String jobId = personalized.getJobId();
        try (var ready = tap.follow(Topics.MODELS_READY, ModelReady.class)) {
            tap.send(Topics.PERSONALIZED_MODELS, jobId, personalized);
            ModelReady model = ready.await(1, m -> m.getJobId().equals(jobId), WAIT).get(0);

            assertEquals(ModelScope.CLIENT, model.getScope());
            assertTrue(model.getFiles().stream().anyMatch(f -> Path.of(f.getPath()).endsWith(OnnxExport.FILE_NAME)),
                    "files: " + model.getFiles());
            Map<?, ?> description = new ObjectMapper().readValue(Path.of(model.getArtifactUri(), "model.json").toFile(),
                    Map.class);
            assertEquals(OnnxExport.FILE_NAME, ((Map<?, ?>) description.get("onnx")).get("file"));

            ImageDataset images = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TEST, IMAGES);
            float[] onnx = onnxLogits(Path.of(model.getArtifactUri(), OnnxExport.FILE_NAME), images);
            float[] subnet = djlLogits(spec.getModel(), supernet, images, new Relaxation(MixingMode.SOFTMAX, 1.0,
                    path.toMask()));
            float[] relaxed = djlLogits(spec.getModel(), supernet, images, Relaxation.DARTS);
            assertTrue(maxDifference(onnx, subnet) <= 1e-4, "path: max |logit difference| " + maxDifference(onnx, subnet));
            // The test can tell the two networks apart: the relaxed supernet's logits are elsewhere.
            assertTrue(maxDifference(onnx, relaxed) > 1e-2, "relaxed: " + maxDifference(onnx, relaxed));
        }
    }

    private static float[] djlLogits(ModelSpec spec, ModelParameters weights, ImageDataset images,
                                     Relaxation relaxation) {
        try (NDManager manager = Engines.newManager()) {
            Block block = ModelFactory.buildAllocated(spec, manager);
            BlockParameters.load(block, weights);
            ((SearchNetwork) block).setRelaxation(relaxation);
            var x = manager.create(images.pixels(), ModelFactory.inputShape(spec, images.size()));
            return block.forward(new ParameterStore(manager, false), new NDList(x), false).singletonOrThrow()
                    .toFloatArray();
        }
    }

    private static float[] onnxLogits(Path model, ImageDataset images) throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(model.toString(), new OrtSession.SessionOptions());
             OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(images.pixels()),
                     new long[] {images.size(), images.channels(), images.height(), images.width()});
             OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, input))) {
            float[][] logits = (float[][]) result.get(OnnxExport.OUTPUT).orElseThrow().getValue();
            float[] flat = new float[logits.length * logits[0].length];
            for (int i = 0; i < logits.length; i++) {
                System.arraycopy(logits[i], 0, flat, i * logits[i].length, logits[i].length);
            }
            return flat;
        }
    }

    private static double maxDifference(float[] a, float[] b) {
        assertEquals(a.length, b.length);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }
}
