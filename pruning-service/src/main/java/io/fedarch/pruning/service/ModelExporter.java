package io.fedarch.pruning.service;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.data.ShardProvider;
import io.fedarch.core.export.SafetensorsWriter;
import io.fedarch.core.model.ModelSummary;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.core.train.Evaluator;
import io.fedarch.core.train.Metrics;
import io.fedarch.events.Artifact;
import io.fedarch.events.ModelReady;
import io.fedarch.events.ModelScope;
import io.fedarch.events.SearchCompleted;
import io.fedarch.events.SearchStatus;
import io.fedarch.pruning.messaging.ModelReadyPublisher;
import io.fedarch.pruning.metrics.PruningMetrics;

/**
 * Turns a completed search into a deliverable: evaluates the final global model on the held-out
 * Fashion-MNIST test set, writes its weights (safetensors) and a JSON description, and announces
 * it with a model-ready event. DJL-built networks cannot be exported as TorchScript or ONNX, so
 * the description carries what is needed to rebuild the network around the weights.
 */
@ApplicationScoped
public class ModelExporter {
    private static final Logger LOG = Logger.getLogger(ModelExporter.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final ShardProvider data;
    private final Path exportDir;

    @Inject
    ModelReadyPublisher publisher;

    @Inject
    PruningMetrics metrics;

    @ConfigProperty(name = "fedarch.export.eval-batch-size", defaultValue = "500")
    int evalBatchSize;

    @Inject
    public ModelExporter(@ConfigProperty(name = "fedarch.data.dir") Path dataDir,
                         @ConfigProperty(name = "fedarch.export.dir") Path exportDir) {
        this.data = new ShardProvider(dataDir, null);
        this.exportDir = exportDir.toAbsolutePath();
    }

    public void export(SearchCompleted completed) {
        if (completed.getStatus() != SearchStatus.SUCCEEDED) {
            LOG.warnf("job %s ended %s after %d rounds: %s; no model to export", completed.getJobId(),
                    completed.getStatus(), completed.getRoundsCompleted(), completed.getReason());
            return;
        }
        if (completed.getFinalModel() == null) {
            throw new ExportRejectedException("job " + completed.getJobId() + " succeeded but carries no final model");
        }
        long start = System.nanoTime();
        ModelParameters parameters;
        try {
            parameters = TensorCodec.fromAvro(completed.getFinalModel());
        } catch (IllegalArgumentException e) {
            throw new ExportRejectedException("final model of job " + completed.getJobId() + " is malformed: "
                    + e.getMessage());
        }
        ImageDataset testSet = data.testSet(completed.getSpec());
        Metrics test = Evaluator.evaluate(completed.getSpec().getModel(), parameters, testSet, evalBatchSize);
        ModelSummary summary = ModelSummary.of(completed.getSpec().getModel());

        Path dir = exportDir.resolve(safeName(completed.getJobId())).resolve("global");
        List<Artifact> files = write(dir, completed, parameters, summary, test, testSet.size());
        String architecture = toJson(summary.describe());

        publisher.publish(ModelReady.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setJobId(completed.getJobId())
                .setTimestamp(Instant.now())
                .setScope(ModelScope.GLOBAL)
                .setClientId(null)
                .setAlgorithm(completed.getSpec().getAlgorithm())
                .setArchitecture(architecture)
                .setTestAccuracy(test.accuracy())
                .setTestLoss(test.loss())
                .setTestSamples(testSet.size())
                .setParameterCount(summary.parameters())
                .setMacs(summary.macs())
                .setFormat("safetensors")
                .setArtifactUri(dir.toString())
                .setFiles(files)
                .setRoundsCompleted(completed.getRoundsCompleted())
                .setSearchMs(completed.getSearchMs())
                .build());
        long ms = (System.nanoTime() - start) / 1_000_000;
        metrics.exported(completed.getSpec().getAlgorithm(), ms, test.accuracy());
        LOG.infof("job %s: test accuracy %.4f on %d images, %d parameters, %d MACs; artifacts in %s (%d ms)",
                completed.getJobId(), test.accuracy(), testSet.size(), summary.parameters(), summary.macs(), dir, ms);
    }

    private List<Artifact> write(Path dir, SearchCompleted completed, ModelParameters parameters,
                                 ModelSummary summary, Metrics test, int testSamples) {
        try {
            Files.createDirectories(dir);
            Path weights = dir.resolve("model.safetensors");
            SafetensorsWriter.write(weights, parameters, Map.of(
                    "jobId", completed.getJobId(),
                    "algorithm", completed.getSpec().getAlgorithm(),
                    "family", completed.getSpec().getModel().getFamily()));

            Map<String, Object> description = new LinkedHashMap<>();
            description.put("jobId", completed.getJobId());
            description.put("scope", "global");
            description.put("algorithm", completed.getSpec().getAlgorithm());
            description.put("format", "safetensors");
            description.put("weights", weights.getFileName().toString());
            description.put("architecture", summary.describe());
            description.put("parameterCount", summary.parameters());
            description.put("macs", summary.macs());
            description.put("testAccuracy", test.accuracy());
            description.put("testLoss", test.loss());
            description.put("testSamples", testSamples);
            description.put("roundsCompleted", completed.getRoundsCompleted());
            description.put("modelVersion", completed.getModelVersion());
            description.put("searchMs", completed.getSearchMs());
            List<Map<String, Object>> tensors = new ArrayList<>();
            for (NamedTensor t : parameters.tensors()) {
                tensors.add(Map.of("name", t.name(), "shape", t.shape(), "dtype", "F32"));
            }
            description.put("tensors", tensors);
            // The job as submitted, in the Avro JSON form of JobSpec, so the run can be repeated.
            description.put("job", JSON.readValue(completed.getSpec().toString(), Map.class));
            Path json = dir.resolve("model.json");
            JSON.writeValue(json.toFile(), description);

            return List.of(artifact(weights, "application/vnd.safetensors"), artifact(json, "application/json"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write artifacts of job " + completed.getJobId() + " to " + dir, e);
        }
    }

    private static Artifact artifact(Path file, String mediaType) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        try {
            String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
            return Artifact.newBuilder().setPath(file.toString()).setMediaType(mediaType)
                    .setSizeBytes(bytes.length).setSha256(sha).build();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static String toJson(Object value) {
        try {
            return new ObjectMapper().writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Job ids come from outside: keep them from escaping the export directory. */
    static String safeName(String jobId) {
        return jobId.replaceAll("[^A-Za-z0-9._-]", "_");
    }
}
