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
}
