package io.fedarch.core.strategy;

/**
 * A round's aggregation that takes the clients' results one at a time as they arrive, keeping
 * running sums instead of the results, so the coordinator holds O(model) for the round whatever
 * its number of clients ({@link Strategy#foldingAggregator}). It must give what the strategy's
 * {@link Strategy#aggregate} gives on the same results, up to floating-point rounding, in any order.
 */
public interface RoundAggregator {
    /**
     * Folds one client's result in; no reference to its tensors is kept.
     *
     * @throws IllegalArgumentException when it cannot be merged (a shape that does not fit, a weight that is not positive)
     */
    void add(ClientResult result);

    /**
     * The round's next global model and server state from everything folded.
     *
     * @throws IllegalArgumentException when nothing was folded, or the strategy's step refuses the result
     */
    Aggregated finish();

    /** Bytes of tensor data held now: the same after one result as after a hundred. */
    long retainedBytes();
}
