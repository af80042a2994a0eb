package io.fedarch.pruning.export;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.fedarch.core.darts.OperationMask;
import io.fedarch.core.darts.report.CellDiagram;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.data.ShardProvider;
import io.fedarch.core.export.NetworkRecipe;
import io.fedarch.core.export.SafetensorsWriter;
import io.fedarch.core.export.onnx.OnnxExport;
import io.fedarch.core.federation.DataDirAllowList;
import io.fedarch.core.model.ModelSummary;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.core.train.Evaluator;
import io.fedarch.core.train.Metrics;
import io.fedarch.events.InputShape;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelReady;
import io.fedarch.events.ModelScope;
import io.fedarch.pruning.messaging.ModelReadyPublisher;
import io.fedarch.pruning.metrics.PruningMetrics;
import io.fedarch.pruning.store.ArtifactStore;
import io.fedarch.pruning.store.DeliveryLocation;
import io.fedarch.pruning.store.PublishedDelivery;
import io.fedarch.pruning.store.StagedFile;
import io.fedarch.pruning.messaging.ArtifactTopicDelivery;
import io.fedarch.service.artifacts.PublishedArtifact;

/**
 * Turns a model into a deliverable: evaluates it on the held-out test set (unless a client already
 * measured it on its own test split), writes its weights (safetensors), a JSON description and, for
 * searched architectures, the genotype and a picture of its cells, and announces it with a
 * model-ready event. Networks of the families {@link OnnxExport} translates (the CNN, DARTS supernets
 * (relaxed, or a client's single path) and derived networks, elastic-ResNet subnets and supernets) also
 * get {@code model.onnx}, runnable without fedarch; for the rest (a PC-DARTS supernet) the description
 * carries what is needed to rebuild the network around the weights.
 * <p>
 * The files go to the {@link ArtifactStore}: written locally, published, announced, then sealed, so
 * a delivered model's files never change; they also go to the artifacts topic in chunks (ArtifactTopicDelivery). Layout: {@code <jobId>/global/}, {@code <jobId>/clients/<clientId>/},
 * {@code <jobId>/budgets/<macs>/} (in an object store with the ModelReady's eventId below).
 */
@ApplicationScoped
public class ModelExporter {
    /** Test accuracy of the relaxed (masked) supernet a discrete model was cut from. */
    public static final String RELAXED_ACCURACY = "relaxedSupernetTestAccuracy";
    /** Relaxed supernet's test accuracy minus the delivered discrete model's: what discretization cost. */
    public static final String DISCRETIZATION_GAP = "discretizationGap";

    private static final Logger LOG = Logger.getLogger(ModelExporter.class);

    private final ShardProvider data;
    /** The directories a job's data.dataDir may name (review M8): this service's data directory and fedarch.data.allowed-roots. */
    private final DataDirAllowList dataRoots;

    @Inject
    ArtifactStore store;

    @Inject
    ModelReadyPublisher publisher;

    @Inject
    ArtifactTopicDelivery artifactTopic;

    @Inject
    PruningMetrics metrics;

    @ConfigProperty(name = "fedarch.export.eval-batch-size", defaultValue = "500")
    int evalBatchSize;

    @Inject
    public ModelExporter(@ConfigProperty(name = "fedarch.data.dir") Path dataDir,
                         @ConfigProperty(name = "fedarch.data.allowed-roots") Optional<List<Path>> allowedRoots) {
        this.data = new ShardProvider(dataDir, null);
        List<Path> roots = new ArrayList<>(allowedRoots.orElse(List.of()));
        roots.add(dataDir);
        this.dataRoots = DataDirAllowList.of(roots);
    }

    /**
     * Refuses a job whose data.dataDir lies outside this service's allowed roots: its test set would
     * be read from wherever the submitter pointed (another tenant's dataset, a mount).
     *
     * @param jobId named in the reason, or null
     * @throws ExportRejectedException naming the reason
     */
    public void requireAllowedData(String jobId, JobSpec job) {
        dataRoots.refusal(job).ifPresent(reason -> {
            throw new ExportRejectedException((jobId == null ? "" : "job " + jobId + " refused: ") + reason);
        });
    }

    /** The local directory of a job's working files in {@code folder} (search artefacts, reports). */
    public Path workingDir(String jobId, String folder) {
        return store.workingDir(ArtifactFiles.safeName(jobId), folder);
    }

    public ArtifactStore store() {
        return store;
    }

    public ModelReady deliver(ModelDelivery delivery) {
        long start = System.nanoTime();
        ModelSummary summary = ModelSummary.of(delivery.model());
        double accuracy;
        double loss;
        int samples;
        if (delivery.measured() != null) {
            accuracy = delivery.measured().accuracy();
            loss = delivery.measured().loss();
            samples = delivery.measured().samples();
        } else {
            ImageDataset testSet = testSet(delivery.jobId(), delivery.job());
            Metrics test = Evaluator.evaluate(delivery.model(), delivery.parameters(), testSet, evalBatchSize);
            accuracy = test.accuracy();
            loss = test.loss();
            samples = testSet.size();
        }
        List<String> scopePath = switch (delivery.scope()) {
            case GLOBAL -> List.of("global");
            case CLIENT -> List.of("clients", Integer.toString(delivery.clientId()));
            case BUDGET -> List.of("budgets", Long.toString(delivery.macsBudget()));
        };
        String eventId = UUID.randomUUID().toString();
        DeliveryLocation location = new DeliveryLocation(ArtifactFiles.safeName(delivery.jobId()), scopePath, eventId);
        Path dir = store.stagingDir(location);
        // Announced only once every file is where consumers read it.
        PublishedDelivery published;
        try {
            List<StagedFile> staged = write(dir, delivery, summary, accuracy, loss, samples);
            published = store.publish(location, staged);
            List<PublishedArtifact> onTopic = artifactTopic.publish(delivery.jobId(), eventId, delivery.scope(),
                    delivery.clientId(), delivery.macsBudget(), staged);
            requireSameBytes(published, onTopic);
        } catch (RuntimeException e) {
            store.discard(location);
            throw e;
        }
        String architecture = delivery.architecture() != null ? delivery.architecture().json()
                : delivery.genotype() != null ? delivery.genotype().toJson() : ArtifactFiles.toJson(summary.describe());
        long parameters = delivery.architecture() != null ? delivery.architecture().parameters() : summary.parameters();
        long macs = delivery.architecture() != null ? delivery.architecture().macs() : summary.macs();

        ModelReady ready = ModelReady.newBuilder()
                .setEventId(eventId)
                .setJobId(delivery.jobId())
                .setTimestamp(Instant.now())
                .setScope(delivery.scope())
                .setClientId(delivery.clientId())
                .setAlgorithm(delivery.algorithm())
                .setArchitecture(architecture)
                .setTestAccuracy(accuracy)
                .setTestLoss(loss)
                .setTestSamples(samples)
                .setParameterCount(parameters)
                .setMacs(macs)
                .setFormat("safetensors")
                .setArtifactUri(published.uri())
                .setFiles(published.files())
                .setRoundsCompleted(delivery.roundsCompleted())
                .setSearchMs(delivery.searchMs())
                .setMetrics(figures(delivery.metrics(), accuracy))
                .setMacsBudget(delivery.macsBudget())
                .build();
        publisher.publish(ready);
        store.seal(published);
        long ms = (System.nanoTime() - start) / 1_000_000;
        metrics.exported(delivery.algorithm(), ms, accuracy);
        LOG.infof("job %s %s%s%s: test accuracy %.4f on %d images, %d parameters, %d MACs; artifacts in %s (%d ms)",
                delivery.jobId(), delivery.scope(), delivery.clientId() == null ? "" : " client " + delivery.clientId(),
                delivery.macsBudget() == null ? "" : " " + delivery.macsBudget() + " MACs", accuracy, samples, parameters, macs,
                published.uri(), ms);
        return ready;
    }

    /** The artifacts topic must carry the very bytes the store announced (a file rewritten in between would not). */
    private static void requireSameBytes(PublishedDelivery stored, List<PublishedArtifact> onTopic) {
        for (PublishedArtifact chunked : onTopic) {
            boolean announced = stored.files().stream().anyMatch(f -> f.getSha256().equals(chunked.sha256())
                    && f.getSizeBytes() == chunked.sizeBytes());
            if (!announced) {
                throw new IllegalStateException("the artifacts topic got " + chunked.name() + " with SHA-256 "
                        + chunked.sha256() + ", which the store did not publish");
            }
        }
    }

    /** Accuracy of an already built network (e.g. a masked supernet) on the job's held-out test set. */
    public Metrics evaluateOnTestSet(JobSpec job, ai.djl.nn.Block network) {
        return Evaluator.evaluate(network, testSet(null, job), evalBatchSize);
    }

    /** Accuracy and loss of a network given by its spec and weights on the job's held-out test set. */
    public Metrics evaluateOnTestSet(JobSpec job, io.fedarch.events.ModelSpec model, io.fedarch.core.tensor.ModelParameters weights) {
        return Evaluator.evaluate(model, weights, testSet(null, job), evalBatchSize);
    }

    /** Every test set this service reads goes through here, so none comes from a directory it does not allow. */
    private ImageDataset testSet(String jobId, JobSpec job) {
        requireAllowedData(jobId, job);
        return data.testSet(job);
    }

    /** The delivery's figures, plus the gap between the relaxed supernet and this (discrete) model when known. */
    private static Map<String, Double> figures(Map<String, Double> given, double accuracy) {
        Map<String, Double> figures = new java.util.LinkedHashMap<>(given);
        Double relaxed = given.get(RELAXED_ACCURACY);
        if (relaxed != null) {
            figures.put(DISCRETIZATION_GAP, relaxed - accuracy);
        }
        return figures;
    }

    private static void stage(Map<String, StagedFile> files, Path file, String mediaType) {
        String name = file.getFileName().toString();
        files.put(name, new StagedFile(name, file, mediaType));
    }

    /**
     * The delivery's files, by name; a name written twice (a genotype's and an architecture's picture) counts once.
     * Static and package-visible so a test can check exactly what users receive (ModelFilesInPyTorchTest).
     */
    static List<StagedFile> write(Path dir, ModelDelivery delivery, ModelSummary summary, double accuracy,
                                   double loss, int samples) {
        try {
            Files.createDirectories(dir);
            Map<String, StagedFile> files = new LinkedHashMap<>();
            Path weights = dir.resolve("model.safetensors");
            SafetensorsWriter.write(weights, delivery.parameters(), Map.of(
                    "jobId", delivery.jobId(),
                    "algorithm", delivery.algorithm(),
                    "family", delivery.model().getFamily()));
            stage(files, weights, "application/vnd.safetensors");
            // A client's single path (PerFedRLNAS) is the supernet evaluated with the path's one-hot mask.
            OperationMask mask = delivery.architecture() != null ? delivery.architecture().mask() : null;
            boolean onnx = OnnxExport.supports(delivery.model());
            if (onnx) {
                // Translated from the spec and the very weights above; a translation error is a bug, not a skip.
                Path model = dir.resolve(OnnxExport.FILE_NAME);
                Files.write(model, mask != null ? OnnxExport.export(delivery.model(), delivery.parameters(), mask)
                        : OnnxExport.export(delivery.model(), delivery.parameters()));
                stage(files, model, "application/onnx");
            }
            if (delivery.genotype() != null) {
                Path genotype = dir.resolve("genotype.json");
                ArtifactFiles.writeString(genotype, delivery.genotype().toJson());
                stage(files, genotype, "application/json");
                Path picture = dir.resolve("cells.svg");
                CellDiagram.write(picture, delivery.genotype());
                stage(files, picture, "image/svg+xml");
            }

            if (delivery.architecture() != null) {
                Path architecture = dir.resolve("architecture.json");
                ArtifactFiles.writeString(architecture, delivery.architecture().json());
                stage(files, architecture, "application/json");
                if (delivery.architecture().svg() != null) {
                    Path picture = dir.resolve("cells.svg");
                    ArtifactFiles.writeString(picture, delivery.architecture().svg());
                    stage(files, picture, "image/svg+xml");
                }
            }

            Map<String, Object> description = new LinkedHashMap<>();
            description.put("jobId", delivery.jobId());
            description.put("scope", delivery.scope().name().toLowerCase());
            if (delivery.clientId() != null) {
                description.put("clientId", delivery.clientId());
            }
            if (delivery.macsBudget() != null) {
                description.put("macsBudget", delivery.macsBudget());
            }
            description.put("algorithm", delivery.algorithm());
            description.put("format", "safetensors");
            description.put("weights", weights.getFileName().toString());
            if (onnx) {
                description.put("onnx", Map.of("file", OnnxExport.FILE_NAME, "opset", OnnxExport.OPSET,
                        "input", OnnxExport.INPUT, "output", OnnxExport.OUTPUT));
            }
            description.put("model", ArtifactFiles.parse(delivery.model().toString()));
            // What the network takes, channels x height x width, for loaders that read nothing else.
            InputShape input = delivery.model().getInputShape();
            description.put("inputShape", List.of(input.getChannels(), input.getHeight(), input.getWidth()));
            // Resolved dimensions, so other frameworks rebuild the network without the Java defaults.
            try {
                NetworkRecipe.of(delivery.model()).ifPresent(recipe -> description.put("network", recipe));
            } catch (IllegalArgumentException e) {
                // The weights are still worth delivering; only rebuilding elsewhere needs the recipe.
                LOG.warnf("job %s: no network recipe in model.json: %s", delivery.jobId(), e.getMessage());
            }
            if (delivery.genotype() != null) {
                description.put("genotype", ArtifactFiles.parse(delivery.genotype().toJson()));
                description.put("genotypePython", delivery.genotype().toString());
            }
            if (delivery.architecture() != null) {
                description.put("architecture", ArtifactFiles.parse(delivery.architecture().json()));
                description.put("architectureDetails", delivery.architecture().details());
                // A client's subnet is delivered inside its supernet; a budget's subnet, or a client's derived
                // network, is a network of its own.
                boolean ownNetwork = delivery.scope() == ModelScope.BUDGET || delivery.architecture().model() != null;
                description.put(ownNetwork ? "layers" : "supernet", summary.describe());
            } else {
                description.put("architecture", summary.describe());
            }
            description.put("parameterCount", delivery.architecture() != null ? delivery.architecture().parameters()
                    : summary.parameters());
            description.put("macs", delivery.architecture() != null ? delivery.architecture().macs() : summary.macs());
            description.put("testAccuracy", accuracy);
            description.put("testLoss", loss);
            description.put("testSamples", samples);
            description.put("testSet", delivery.measured() != null ? "the client's local test split" : "held-out test set");
            if (!delivery.metrics().isEmpty()) {
                description.put("metrics", figures(delivery.metrics(), accuracy));
            }
            description.put("roundsCompleted", delivery.roundsCompleted());
            description.put("modelVersion", delivery.modelVersion());
            description.put("searchMs", delivery.searchMs());
            description.putAll(delivery.extraDescription());
            List<Map<String, Object>> tensors = new ArrayList<>();
            for (NamedTensor t : delivery.parameters().tensors()) {
                tensors.add(Map.of("name", t.name(), "shape", t.shape(), "dtype", "F32"));
            }
            description.put("tensors", tensors);
            // The job as submitted, in the Avro JSON form of JobSpec, so the run can be repeated.
            description.put("job", ArtifactFiles.parse(delivery.job().toString()));
            Path json = dir.resolve("model.json");
            ArtifactFiles.writeJson(json, description);
            stage(files, json, "application/json");
            delivery.extraFiles().forEach(file -> files.put(file.name(), file));
            return List.copyOf(files.values());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write artifacts of job " + delivery.jobId() + " to " + dir, e);
        }
    }
}
