package io.fedarch.pruning.export;

import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.fedarch.core.darts.DerivedArchitecture;
import io.fedarch.core.strategy.SearchResult;
import io.fedarch.core.strategy.ServerStateCodec;
import io.fedarch.core.strategy.StrategyRegistry;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.events.ModelScope;
import io.fedarch.events.SearchCompleted;
import io.fedarch.events.SearchStatus;

/**
 * Delivers what a completed job becomes, as its strategy decides ({@code Strategy.afterSearch}): a
 * derived DARTS architecture goes through architecture export (files, fine-tuning job or the
 * surviving path), any other result is the final model as it is; a finished fine-tuning job
 * delivers its parent's final model.
 */
@ApplicationScoped
public class SearchCompletionHandler {
    private static final Logger LOG = Logger.getLogger(SearchCompletionHandler.class);

    @Inject
    ModelExporter exporter;

    @Inject
    ArchitectureExport architectures;

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
        if (completed.getFinalModel() == null) {
            throw new ExportRejectedException("job " + completed.getJobId() + " succeeded but carries no final model");
        }
        ModelParameters parameters = decode(completed);
        if (parent != null) {
            architectures.fineTuningCompleted(completed, parameters);
            return;
        }
        SearchResult result;
        try {
            result = strategies.get(completed.getSpec().getAlgorithm()).afterSearch(completed.getSpec(), parameters,
                    ServerStateCodec.fromAvro(completed.getStrategyState()));
        } catch (IllegalArgumentException e) {
            throw new ExportRejectedException("cannot export job " + completed.getJobId() + ": " + e.getMessage());
        }
        if (result instanceof DerivedArchitecture architecture) {
            architectures.searchCompleted(completed, parameters, architecture);
        } else {
            exporter.deliver(new ModelDelivery(completed.getJobId(), ModelScope.GLOBAL, null,
                    completed.getSpec().getAlgorithm(), completed.getSpec(), completed.getSpec().getModel(), parameters,
                    null, null, completed.getRoundsCompleted(), completed.getModelVersion(), completed.getSearchMs(),
                    Map.of(), List.of()));
        }
    }

    static ModelParameters decode(SearchCompleted completed) {
        try {
            return TensorCodec.fromAvro(completed.getFinalModel());
        } catch (IllegalArgumentException e) {
            throw new ExportRejectedException("final model of job " + completed.getJobId() + " is malformed: "
                    + e.getMessage());
        }
    }
}
