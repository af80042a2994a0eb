package io.fedarch.pruning.export;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.fedarch.core.darts.report.AlphaTables;
import io.fedarch.core.darts.report.CellDiagram;
import io.fedarch.core.darts.DartsOptions;
import io.fedarch.core.darts.DerivedArchitecture;
import io.fedarch.core.darts.DerivedOptions;
import io.fedarch.core.darts.Genotype;
import io.fedarch.core.darts.MixingMode;
import io.fedarch.core.darts.OperationMask;
import io.fedarch.core.darts.Relaxation;
import io.fedarch.core.darts.SearchNetwork;
import io.fedarch.core.export.SafetensorsReader;
import io.fedarch.core.export.SafetensorsWriter;
import ai.djl.ndarray.NDManager;
import io.fedarch.core.model.BlockParameters;
import io.fedarch.core.model.Engines;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.model.ModelSummary;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.events.JobSpec;
import io.fedarch.events.JobSubmitted;
import io.fedarch.events.ModelScope;
import io.fedarch.events.ModelSpec;
import io.fedarch.events.SearchCompleted;
import io.fedarch.events.spec.DerivedJobs;
import io.fedarch.pruning.messaging.JobSubmissionPublisher;
import io.fedarch.pruning.store.StagedFile;

/**
 * What happens after a DARTS-space search (FedNAS): the genotype is derived from the aggregated α
 * the DARTS way, the search artefacts are written to {@code <jobId>/search/} (supernet weights, α
 * tables as JSON and CSV, genotype, cell picture, the derived network's inherited weights and a
 * search record), and the discrete network built from the genotype inherits the supernet's
 * weights. With {@code fineTuneRounds > 0} it is then fine-tuned federatedly by a FedAvg job
 * ({@link FineTuneJob}) and delivered when that job completes; otherwise it is delivered at once.
 * What the fine-tuning's completion needs later (the search folder, and the note that it was
 * delivered) is kept in the artifact store ({@link io.fedarch.pruning.store.ArtifactStore#keepWorkingFiles}),
 * so any pruning instance, or this one after a restart on an empty disk, can finish what another started.
 */
@ApplicationScoped
public class ArchitectureExport {
    private static final Logger LOG = Logger.getLogger(ArchitectureExport.class);
    static final String SEARCH_RECORD = "search.json";
    static final String INHERITED_WEIGHTS = "derived-inherited.safetensors";
    static final String SEARCH = "search";
    /** Apart from search/: the search folder is delivered as it is, and must not change afterwards. */
    static final String FINE_TUNING = "fine-tuning";
    static final String DELIVERED_NOTE = "delivered.json";

    @Inject
    ModelExporter exporter;

    @Inject
    JobSubmissionPublisher jobs;

    void searchCompleted(SearchCompleted completed, ModelParameters supernet, DerivedArchitecture architecture) {
        JobSpec spec = completed.getSpec();
        DartsOptions options = architecture.options();
        Genotype genotype = architecture.genotype();
        ModelSpec derived = architecture.derived();
        ModelParameters inherited = architecture.inherited();
        OperationMask mask = architecture.mask();
        Path dir = searchDir(completed.getJobId());
        exporter.store().requireNotDelivered(dir);
        ModelSummary supernetSummary = ModelSummary.of(spec.getModel());
        try {
            Files.createDirectories(dir);
            SafetensorsWriter.write(dir.resolve("supernet.safetensors"), supernet,
                    Map.of("jobId", completed.getJobId(), "family", spec.getModel().getFamily()));
            AlphaTables.write(dir, supernet, options);
            ArtifactFiles.writeString(dir.resolve("genotype.json"), genotype.toJson());
            CellDiagram.write(dir.resolve("cells.svg"), genotype);
            SafetensorsWriter.write(dir.resolve(INHERITED_WEIGHTS), inherited,
                    Map.of("jobId", completed.getJobId(), "family", derived.getFamily()));
            if (mask != null) {
                ArtifactFiles.writeJson(dir.resolve("mask.json"), Map.of("operations", mask.operations(),
                        "normal", mask.rows(false), "reduce", mask.rows(true),
                        "activeOperations", mask.activeOperations(), "totalOperations", mask.totalOperations()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the search artefacts of job " + completed.getJobId(), e);
        }
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("jobId", completed.getJobId());
        record.put("algorithm", spec.getAlgorithm());
        record.put("roundsCompleted", completed.getRoundsCompleted());
        record.put("modelVersion", completed.getModelVersion());
        record.put("searchMs", completed.getSearchMs());
        record.put("genotype", ArtifactFiles.parse(genotype.toJson()));
        record.put("genotypePython", genotype.toString());
        record.put("supernet", Map.of("model", ArtifactFiles.parse(spec.getModel().toString()),
                "parameterCount", supernetSummary.parameters(), "macs", supernetSummary.macs()));
        record.put("derivedModel", ArtifactFiles.parse(derived.toString()));
        record.put("searchJob", ArtifactFiles.parse(spec.toString()));
        ArtifactFiles.writeJson(dir.resolve(SEARCH_RECORD), record);
        LOG.infof("job %s: searched architecture %s", completed.getJobId(), genotype);

        if (mask != null) {
            // No retraining: the pruned supernet's surviving path is the model, with its trained weights.
            // The relaxed supernet (softmax(α + log m) over the unmasked operations) is evaluated too, so the
            // cost of discretizing is measured rather than assumed.
            double relaxed = relaxedAccuracy(spec, supernet, mask);
            record.put("relaxedSupernetTestAccuracy", relaxed);
            record.put("activeOperations", mask.activeOperations());
            ArtifactFiles.writeJson(dir.resolve(SEARCH_RECORD), record);
            LOG.infof("job %s: relaxed supernet test accuracy %.4f (%d of %d operations active); exporting its "
                    + "surviving path without retraining", completed.getJobId(), relaxed, mask.activeOperations(),
                    mask.totalOperations());
            deliver(completed.getJobId(), spec, derived, inherited, genotype, record,
                    Map.of("rounds", 0, "note", "no retraining: the surviving path of the pruned supernet, as trained"),
                    0, 0, Map.of(ModelExporter.RELAXED_ACCURACY, relaxed));
            return;
        }
        int fineTuneRounds = architecture.fineTuneRounds();
        if (fineTuneRounds > 0) {
            JobSubmitted fineTune = FineTuneJob.of(completed, derived, inherited);
            // Recorded before it is submitted: its completion must find what proves it is ours.
            record.put(FineTuneRecord.KEY, FineTuneRecord.submitted(fineTune));
            ArtifactFiles.writeJson(dir.resolve(SEARCH_RECORD), record);
            // The fine-tuning may end after this instance is gone: its completion must find the search folder.
            exporter.store().keepWorkingFiles(ArtifactFiles.safeName(completed.getJobId()), SEARCH);
            jobs.publish(fineTune);
            LOG.infof("job %s: derived network submitted for %d rounds of federated fine-tuning as job %s",
                    completed.getJobId(), fineTuneRounds, DerivedJobs.fineTuneJobId(completed.getJobId()));
        } else {
            deliver(completed.getJobId(), spec, derived, inherited, genotype, record,
                    Map.of("rounds", 0, "note", "delivered with the weights inherited from the supernet"), 0, 0);
        }
    }

    private double relaxedAccuracy(JobSpec spec, ModelParameters supernet, OperationMask mask) {
        try (NDManager manager = Engines.newManager()) {
            SearchNetwork network = (SearchNetwork) ModelFactory.buildAllocated(spec.getModel(), manager);
            BlockParameters.load(network, supernet);
            network.setRelaxation(new Relaxation(MixingMode.SOFTMAX, 1.0, mask));
            return exporter.evaluateOnTestSet(spec, network).accuracy();
        }
    }

    /** A fine-tuning job finished: its model is the search job's final model. */
    void fineTuningCompleted(SearchCompleted fineTuned) {
        String parent = fineTuned.getSpec().getParentJobId();
        Map<String, Object> record = fineTuningRecord(fineTuned, parent);
        ModelParameters weights = SearchCompletionHandler.decode(fineTuned);
        Genotype genotype = genotypeOf(fineTuned);
        Map<String, Object> fineTuning = new LinkedHashMap<>();
        fineTuning.put("jobId", fineTuned.getJobId());
        fineTuning.put("rounds", fineTuned.getRoundsCompleted());
        fineTuning.put("searchMs", fineTuned.getSearchMs());
        deliver(parent, fineTuned.getSpec(), fineTuned.getSpec().getModel(), weights, genotype, record, fineTuning,
                fineTuned.getRoundsCompleted(), fineTuned.getSearchMs());
        markDelivered(parent, record, fineTuned);
    }

    /** Fine-tuning failed: the search's result is not lost; the derived network ships with its inherited weights. */
    void fineTuningFailed(SearchCompleted fineTuned) {
        String parent = fineTuned.getSpec().getParentJobId();
        Map<String, Object> record = fineTuningRecord(fineTuned, parent);
        ModelParameters inherited = SafetensorsReader.read(searchDir(parent).resolve(INHERITED_WEIGHTS)).parameters();
        Map<String, Object> fineTuning = new LinkedHashMap<>();
        fineTuning.put("jobId", fineTuned.getJobId());
        fineTuning.put("failed", fineTuned.getReason());
        fineTuning.put("note", "fine-tuning failed; delivered with the weights inherited from the supernet");
        LOG.warnf("job %s: fine-tuning job %s failed (%s); delivering the derived network with inherited weights",
                parent, fineTuned.getJobId(), fineTuned.getReason());
        deliver(parent, fineTuned.getSpec(), fineTuned.getSpec().getModel(), inherited, genotypeOf(fineTuned), record,
                fineTuning, 0, fineTuned.getSearchMs());
        markDelivered(parent, record, fineTuned);
    }

    /**
     * The parent's search record, once the completed job is shown to be the fine-tuning job submitted
     * for it (id and spec digest) that has not delivered yet; parentJobId alone is anyone's to set.
     */
    private Map<String, Object> fineTuningRecord(SearchCompleted fineTuned, String parent) {
        FineTuneRecord.checkId(fineTuned, parent);
        String parentDir = ArtifactFiles.safeName(parent);
        exporter.store().recallWorkingFiles(parentDir, SEARCH);
        exporter.store().recallWorkingFiles(parentDir, FINE_TUNING);
        Map<String, Object> record = searchRecord(parent, fineTuned.getJobId());
        Path note = exporter.workingDir(parent, FINE_TUNING).resolve(DELIVERED_NOTE);
        @SuppressWarnings("unchecked")
        Map<String, Object> delivered = Files.isRegularFile(note) ? ArtifactFiles.readJson(note, Map.class) : null;
        FineTuneRecord.check(fineTuned, parent, record, delivered);
        return record;
    }

    /** After the model is out: a crash before this line delivers again, rather than never. */
    private void markDelivered(String parent, Map<String, Object> record, SearchCompleted fineTuned) {
        ArtifactFiles.writeJson(exporter.workingDir(parent, FINE_TUNING).resolve(DELIVERED_NOTE),
                FineTuneRecord.delivered(fineTuned));
        exporter.store().keepWorkingFiles(ArtifactFiles.safeName(parent), FINE_TUNING);
    }

    private void deliver(String jobId, JobSpec job, ModelSpec model, ModelParameters weights, Genotype genotype,
                         Map<String, Object> record, Map<String, Object> fineTuning, int fineTuneRounds,
                         long fineTuneMs) {
        deliver(jobId, job, model, weights, genotype, record, fineTuning, fineTuneRounds, fineTuneMs, Map.of());
    }

    private void deliver(String jobId, JobSpec job, ModelSpec model, ModelParameters weights, Genotype genotype,
                         Map<String, Object> record, Map<String, Object> fineTuning, int fineTuneRounds,
                         long fineTuneMs, Map<String, Double> metrics) {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("search", record);
        extra.put("fineTuning", fineTuning);
        int searchRounds = ((Number) record.get("roundsCompleted")).intValue();
        long searchMs = ((Number) record.get("searchMs")).longValue();
        exporter.deliver(new ModelDelivery(jobId, ModelScope.GLOBAL, null, (String) record.get("algorithm"), job,
                model, weights, genotype, null, searchRounds + fineTuneRounds,
                ((Number) record.get("modelVersion")).intValue() + fineTuneRounds, searchMs + fineTuneMs, extra,
                searchArtifacts(jobId), metrics));
    }

    private Genotype genotypeOf(SearchCompleted fineTuned) {
        String json = fineTuned.getSpec().getModel().getOptions().get(DerivedOptions.GENOTYPE);
        try {
            return Genotype.fromJson(json).validate();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ExportRejectedException("job " + fineTuned.getJobId() + " carries no valid genotype: "
                    + e.getMessage());
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> searchRecord(String parent, String child) {
        Path file = searchDir(parent).resolve(SEARCH_RECORD);
        if (!Files.isRegularFile(file)) {
            throw new ExportRejectedException("job " + child + " fine-tunes job " + parent
                    + ", but no search record of it exists at " + file);
        }
        return ArtifactFiles.readJson(file, Map.class);
    }

    private Path searchDir(String jobId) {
        return exporter.workingDir(jobId, SEARCH);
    }

    private List<StagedFile> searchArtifacts(String jobId) {
        List<StagedFile> files = new ArrayList<>();
        try (Stream<Path> listing = Files.list(searchDir(jobId))) {
            for (Path file : listing.sorted().toList()) {
                String name = file.getFileName().toString();
                String type = name.endsWith(".safetensors") ? "application/vnd.safetensors"
                        : name.endsWith(".svg") ? "image/svg+xml" : name.endsWith(".csv") ? "text/csv" : "application/json";
                files.add(new StagedFile(SEARCH + "/" + name, file, type));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the search artefacts of job " + jobId, e);
        }
        return files;
    }
}
