package io.fedarch.pruning.export;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.fedarch.core.darts.DerivedArchitecture;
import io.fedarch.core.ofa.SubnetsPerBudget;
import io.fedarch.core.strategy.SearchResult;
import io.fedarch.core.strategy.ServerStateCodec;
import io.fedarch.core.strategy.StrategyRegistry;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.events.ModelScope;
import io.fedarch.events.SearchCompleted;
import io.fedarch.events.SearchStatus;
import io.fedarch.pruning.store.StagedFile;

/**
 * Delivers what a completed job becomes, as its strategy decides ({@code Strategy.afterSearch}): a
 * derived DARTS architecture goes through architecture export (files, fine-tuning job or the
 * surviving path), subnets per MACs budget go through budget export (one model each, then the
 * supernet), any other result is the final model as it is; a finished fine-tuning job delivers
 * its parent's final model, once, if it is the one this service submitted ({@link FineTuneRecord}).
 */
@ApplicationScoped
public class SearchCompletionHandler {
    private static final Logger LOG = Logger.getLogger(SearchCompletionHandler.class);

    @Inject
    ModelExporter exporter;

    @Inject
    ArchitectureExport architectures;

    @Inject
    BudgetSubnetExport subnets;

    private final StrategyRegistry strategies = StrategyRegistry.builtIn();

    public void handle(SearchCompleted completed) {
        String parent = completed.getSpec().getParentJobId();
        if (completed.getStatus() != SearchStatus.SUCCEEDED) {
            LOG.warnf("job %s ended %s after %d rounds: %s; no model to export", completed.getJobId(),
                    completed.getStatus(), completed.getRoundsCompleted(), completed.getReason());
            if (parent != null) {
                architectures.fineTuningFailed(completed);
            }
            return;
        }
        // Before anything is read, written or submitted for it (a fine-tuning job would inherit the dataDir).
        exporter.requireAllowedData(completed.getJobId(), completed.getSpec());
        if (parent != null) {
            // Its weights are read only once it is shown to be the parent's fine-tuning job.
            architectures.fineTuningCompleted(completed);
            return;
        }
        ModelParameters parameters = decode(completed);
        SearchResult result;
        try {
            result = strategies.get(completed.getSpec().getAlgorithm()).afterSearch(completed.getSpec(), parameters,
                    ServerStateCodec.fromAvro(completed.getStrategyState()));
        } catch (IllegalArgumentException e) {
            throw new ExportRejectedException("cannot export job " + completed.getJobId() + ": " + e.getMessage());
        }
        if (result instanceof SubnetsPerBudget perBudget) {
            subnets.deliver(completed, parameters, perBudget);
        } else if (result instanceof DerivedArchitecture architecture) {
            architectures.searchCompleted(completed, parameters, architecture);
        } else if (result instanceof SearchResult.AsTrainedWithReports reported) {
            List<StagedFile> reports = writeReports(exporter, completed.getJobId(), reported.files());
            exporter.deliver(new ModelDelivery(completed.getJobId(), ModelScope.GLOBAL, null,
                    completed.getSpec().getAlgorithm(), completed.getSpec(), completed.getSpec().getModel(), parameters,
                    null, null, completed.getRoundsCompleted(), completed.getModelVersion(), completed.getSearchMs(),
                    Map.of("reports", reported.files().keySet().stream().sorted().toList()), reports,
                    reported.metrics()));
        } else {
            exporter.deliver(new ModelDelivery(completed.getJobId(), ModelScope.GLOBAL, null,
                    completed.getSpec().getAlgorithm(), completed.getSpec(), completed.getSpec().getModel(), parameters,
                    null, null, completed.getRoundsCompleted(), completed.getModelVersion(), completed.getSearchMs(),
                    Map.of(), List.of()));
        }
    }

    /** The strategy's reports, written to the job's {@code search/} directory; delivered as {@code search/<name>}. */
    static List<StagedFile> writeReports(ModelExporter exporter, String jobId, Map<String, String> files) {
        Path dir = exporter.workingDir(jobId, "search");
        exporter.store().requireNotDelivered(dir);
        List<StagedFile> written = new ArrayList<>();
        try {
            Files.createDirectories(dir);
            for (Map.Entry<String, String> file : new TreeMap<>(files).entrySet()) {
                Path path = dir.resolve(ArtifactFiles.safeName(file.getKey()));
                ArtifactFiles.writeString(path, file.getValue());
                String type = file.getKey().endsWith(".csv") ? "text/csv"
                        : file.getKey().endsWith(".svg") ? "image/svg+xml" : "application/json";
                written.add(new StagedFile("search/" + path.getFileName(), path, type));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the reports of job " + jobId, e);
        }
        return written;
    }

    static ModelParameters decode(SearchCompleted completed) {
        if (completed.getFinalModel() == null) {
            throw new ExportRejectedException("job " + completed.getJobId() + " succeeded but carries no final model");
        }
        try {
            return TensorCodec.fromAvro(completed.getFinalModel());
        } catch (IllegalArgumentException e) {
            throw new ExportRejectedException("final model of job " + completed.getJobId() + " is malformed: "
                    + e.getMessage());
        }
    }
}
