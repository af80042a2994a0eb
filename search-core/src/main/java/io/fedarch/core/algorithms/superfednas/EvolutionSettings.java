package io.fedarch.core.algorithms.superfednas;

/**
 * OFA's evolutionary search, as SuperFedNAS's reference runs it on the trained supernet: each
 * generation keeps the best {@code parentRatio}·P subnets as parents and adds P children,
 * {@code mutationRatio}·P mutants (every gene resampled with {@code mutateProbability}) and the rest
 * crossovers (every gene from one of two parents), all within the MACs budget.
 *
 * @param generations federated selection rounds (one generation each); 0 skips the search
 */
public record EvolutionSettings(int generations, int population, double parentRatio, double mutationRatio,
                                double mutateProbability) {
    public EvolutionSettings {
        if (generations < 0 || population < 2 || !(parentRatio > 0 && parentRatio <= 1)
                || !(mutationRatio >= 0 && mutationRatio <= 1) || !(mutateProbability > 0 && mutateProbability <= 1)) {
            throw new IllegalArgumentException("evolution needs generations >= 0, population >= 2, parentRatio in (0, 1], "
                    + "mutationRatio in [0, 1], mutateProbability in (0, 1] (got " + generations + ", " + population + ", "
                    + parentRatio + ", " + mutationRatio + ", " + mutateProbability + ")");
        }
    }

    public int parents() {
        return Math.max(1, (int) Math.round(parentRatio * population));
    }

    public int mutants() {
        return (int) Math.round(mutationRatio * population);
    }
}
