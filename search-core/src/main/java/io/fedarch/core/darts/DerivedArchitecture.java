package io.fedarch.core.darts;

import io.fedarch.core.model.ModelInitializer;
import io.fedarch.core.strategy.SearchResult;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.events.ModelSpec;

/**
 * A DARTS search's product: the genotype derived from the final α, the discrete network of that
 * genotype ({@code derived}, a darts-derived model spec) with the weights it inherits from the
 * supernet, and what follows — federated fine-tuning for {@code fineTuneRounds} rounds (FedNAS's
 * evaluation stage; 0 = deliver with the inherited weights), or for a pruned search ({@code mask}
 * not null, FedMetaNAS) the surviving path as trained, next to the relaxed supernet's measured accuracy.
 *
 * @param options the supernet's options
 * @param mask    the final soft-pruning mask, or null for an unpruned search
 * @param inherited the derived network's weights cut out of the supernet, or (partial-channel
 *                supernet, whose operations are too narrow) a fresh initialisation
 */
public record DerivedArchitecture(DartsOptions options, Genotype genotype, ModelSpec derived, ModelParameters inherited,
                                  OperationMask mask, int fineTuneRounds) implements SearchResult {

    /** Seeds the derived network's weights when they cannot be inherited (partial channels). */
    static final long FRESH_SEED = 0;

    /**
     * Derives the genotype from {@code supernet}'s α (in {@code mask}'s space when it is not null) and
     * the derived network's inherited weights.
     *
     * @throws IllegalArgumentException when the supernet or mask does not fit the options
     */
    public static DerivedArchitecture of(ModelParameters supernet, DartsOptions options, OperationMask mask,
                                         int fineTuneRounds) {
        if (mask != null) {
            mask.requireFits(options);
        }
        Genotype genotype = mask == null ? GenotypeDerivation.derive(supernet, options)
                : GenotypeDerivation.derive(supernet, options, mask);
        ModelSpec derived = DerivedOptions.modelSpec(options, genotype);
        // A partial-channel supernet's operations are C/K wide: nothing of the right shape to inherit.
        ModelParameters weights = options.partialChannels() == 1
                ? WeightInheritance.fromSupernet(supernet, options, genotype)
                : ModelInitializer.initialize(derived, FRESH_SEED);
        return new DerivedArchitecture(options, genotype, derived, weights, mask, fineTuneRounds);
    }
}
