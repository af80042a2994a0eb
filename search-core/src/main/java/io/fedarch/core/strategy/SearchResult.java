package io.fedarch.core.strategy;


/**
 * What a finished search becomes, as its strategy decides ({@link Strategy#afterSearch}): the pruning
 * service writes and delivers it, and runs what it asks for (a fine-tuning job, an evaluation).
 * {@link AsTrained} for algorithms whose final model is the product; a search space adds its own
 * kinds (the DARTS space: {@link io.fedarch.core.darts.DerivedArchitecture}).
 */
public interface SearchResult {

    /** The final global model is the product, as trained (FedAvg). */
    record AsTrained() implements SearchResult {
    }

    /**
     * The final model as trained, plus the strategy's own reports of the search (file name → text,
     * e.g. PerFedRLNAS's per-client policy table), which the pruning service writes to the job's
     * {@code search/} directory and lists with the model, and figures for the model-ready event's metrics.
     */
    record AsTrainedWithReports(java.util.Map<String, String> files, java.util.Map<String, Double> metrics)
            implements SearchResult {
        public AsTrainedWithReports {
            files = java.util.Map.copyOf(files);
            metrics = java.util.Map.copyOf(metrics);
        }
    }
}
