package io.fedarch.core.algorithms.superfednas;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

import io.fedarch.core.ofa.ElasticOptions;
import io.fedarch.core.ofa.SubnetConfig;
import io.fedarch.core.ofa.SubnetLayout;

/**
 * The MACs-constrained evolutionary operators (after OFA's evolution finder, which SuperFedNAS's
 * reference uses): a first population of random subnets within the budget, and each generation's
 * children from the best subnets scored so far. Every subnet they return fits the budget. Pure and
 * seeded, so the coordinator recomputes a generation's candidates identically after a restart.
 */
public final class EvolutionarySearch {
    /** Tries before a constrained draw gives up (the reference: 100 for crossovers). */
    static final int TRIES = 100;

    private EvolutionarySearch() {
    }

    /** A subnet and its fitness (validation accuracy over the clients that evaluated it). */
    public record Scored(SubnetConfig subnet, double fitness) {
    }

    public static boolean fits(ElasticOptions options, SubnetConfig subnet, long budget) {
        return SubnetLayout.of(options, subnet).macs() <= budget;
    }

    /**
     * {@code population} random subnets within the budget; where random draws keep failing (a budget
     * near the smallest subnet), mutants of the smallest subnet (p = 0.4, as the reference seeds them).
     *
     * @throws IllegalArgumentException when not even the smallest subnet fits
     */
    public static List<SubnetConfig> initial(ElasticOptions options, long budget, int population, Random random) {
        SubnetConfig smallest = SubnetConfig.smallest(options);
        if (!fits(options, smallest, budget)) {
            throw new IllegalArgumentException("budget " + budget + " MACs is below the smallest subnet's "
                    + SubnetLayout.of(options, smallest).macs());
        }
        List<SubnetConfig> out = new ArrayList<>();
        for (int i = 0; i < population; i++) {
            SubnetConfig pick = null;
            for (int t = 0; t < TRIES && pick == null; t++) {
                SubnetConfig c = SubnetConfig.random(options, random);
                if (fits(options, c, budget)) {
                    pick = c;
                }
            }
            out.add(pick != null ? pick : mutate(options, smallest, 0.4, budget, random));
        }
        return out;
    }

    /** The best {@code count} of {@code scored} within the budget, best first (ties: encoding order). */
    public static List<Scored> parents(ElasticOptions options, List<Scored> scored, long budget, int count) {
        return scored.stream().filter(s -> fits(options, s.subnet(), budget))
                .sorted(Comparator.comparingDouble(Scored::fitness).reversed()
                        .thenComparing(s -> s.subnet().normalized(options).encode()))
                .limit(count).toList();
    }

    /** One generation's children: {@code mutants} mutants of random parents, then crossovers up to the population. */
    public static List<SubnetConfig> children(ElasticOptions options, List<Scored> parents, long budget,
                                              EvolutionSettings settings, Random random) {
        List<SubnetConfig> out = new ArrayList<>();
        for (int i = 0; i < settings.mutants(); i++) {
            SubnetConfig parent = parents.get(random.nextInt(parents.size())).subnet();
            out.add(mutate(options, parent, settings.mutateProbability(), budget, random));
        }
        while (out.size() < settings.population()) {
            SubnetConfig a = parents.get(random.nextInt(parents.size())).subnet();
            SubnetConfig b = parents.get(random.nextInt(parents.size())).subnet();
            out.add(crossover(options, a, b, budget, random));
        }
        return out;
    }

    /**
     * Every gene resampled with probability {@code p}; a mutant over the budget is redrawn with p
     * doubled (at most 0.9), and after {@link #TRIES} failures the parent itself is returned.
     */
    static SubnetConfig mutate(ElasticOptions options, SubnetConfig parent, double p, long budget, Random random) {
        double probability = p;
        for (int t = 0; t < TRIES; t++) {
            SubnetConfig fresh = SubnetConfig.random(options, random);
            int[] d = pick(parent.extraBlocks(), fresh.extraBlocks(), probability, random);
            int[] e = pick(parent.expands(), fresh.expands(), probability, random);
            int[] k = pick(parent.kernels(), fresh.kernels(), probability, random);
            int w = random.nextDouble() < probability ? fresh.width() : parent.width();
            SubnetConfig child = new SubnetConfig(d, e, k, w);
            if (fits(options, child, budget)) {
                return child;
            }
            probability = Math.min(0.9, probability * 2);
        }
        return parent;
    }

    /** Every gene from one of the two parents; after {@link #TRIES} over-budget tries, parent {@code b}. */
    static SubnetConfig crossover(ElasticOptions options, SubnetConfig a, SubnetConfig b, long budget, Random random) {
        for (int t = 0; t < TRIES; t++) {
            int[] d = pick(a.extraBlocks(), b.extraBlocks(), 0.5, random);
            int[] e = pick(a.expands(), b.expands(), 0.5, random);
            int[] k = pick(a.kernels(), b.kernels(), 0.5, random);
            int w = random.nextBoolean() ? a.width() : b.width();
            SubnetConfig child = new SubnetConfig(d, e, k, w);
            if (fits(options, child, budget)) {
                return child;
            }
        }
        return b;
    }

    /** Gene by gene: {@code other}'s with probability {@code p}, else {@code base}'s. */
    private static int[] pick(int[] base, int[] other, double p, Random random) {
        int[] out = base.clone();
        for (int i = 0; i < out.length; i++) {
            if (random.nextDouble() < p) {
                out[i] = other[i];
            }
        }
        return out;
    }
}
