package io.fedarch.pruning.export;

import java.util.List;
import java.util.Locale;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.events.ModelScope;
import io.fedarch.events.SearchCompleted;
import io.fedarch.events.SearchStatus;

/**
 * Decides what a completed job becomes: a searched supernet goes through architecture export
 * (genotype, derived network, optional fine-tuning), a finished fine-tuning job delivers its
 * parent's final model, and any other model is delivered as it is.
 */
@ApplicationScoped
public class SearchCompletionHandler {
    private static final Logger LOG = Logger.getLogger(SearchCompletionHandler.class);

    @Inject
    ModelExporter exporter;

    @Inject
    ArchitectureExport architectures;

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
        String family = completed.getSpec().getModel().getFamily().toLowerCase(Locale.ROOT);
        if (family.equals(ModelFactory.DARTS)) {
            architectures.searchCompleted(completed, parameters);
        } else if (parent != null) {
            architectures.fineTuningCompleted(completed, parameters);
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
