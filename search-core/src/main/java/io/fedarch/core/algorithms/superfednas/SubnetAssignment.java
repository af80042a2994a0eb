package io.fedarch.core.algorithms.superfednas;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

import io.fedarch.core.ofa.ElasticOptions;
import io.fedarch.core.ofa.SubnetConfig;
import io.fedarch.core.util.Seeds;

/**
 * Which subnet each selected client trains in a round. Tracking-Sandwich (the paper's): the selected
 * client assigned the largest subnet least often so far gets it, the remaining client assigned the
 * smallest least often gets the smallest (ties: lowest client id), every other client a uniformly
 * random subnet. For ablations, the reference's other samplers: {@code random} (all random),
 * {@code sandwich} (largest and smallest at positions round mod K and round+1 mod K of the
 * selection, no memory) and {@code static} (everyone the same subnet: FedAvg on that subnet).
 */
public final class SubnetAssignment {
    public static final String TRACKING_SANDWICH = "tracking-sandwich";
    public static final String RANDOM = "random";
    public static final String SANDWICH = "sandwich";
    public static final String STATIC = "static";
    public static final List<String> SAMPLERS = List.of(TRACKING_SANDWICH, RANDOM, SANDWICH, STATIC);

    static final String LARGEST_ROLE = "largest";
    static final String SMALLEST_ROLE = "smallest";
    static final String RANDOM_ROLE = "random";
    static final String STATIC_ROLE = "static";

    private SubnetAssignment() {
    }

    /** One client's subnet and why it got it. */
    public record Assigned(int clientId, SubnetConfig subnet, String role) {
    }

    /**
     * @param selected     the round's clients in selection order
     * @param staticSubnet the subnet of the static sampler (ignored by the others)
     */
    public static List<Assigned> assign(ElasticOptions options, String sampler, List<Integer> selected,
                                        AssignmentCounters counters, long seed, int round, SubnetConfig staticSubnet) {
        List<Assigned> out = new ArrayList<>();
        int largest = -1;
        int smallest = -1;
        switch (sampler) {
            case TRACKING_SANDWICH -> {
                largest = selected.stream().min(Comparator.<Integer>comparingDouble(c -> counters.largest()[c])
                        .thenComparingInt(c -> c)).orElseThrow();
                int chosen = largest;
                smallest = selected.stream().filter(c -> c != chosen)
                        .min(Comparator.<Integer>comparingDouble(c -> counters.smallest()[c]).thenComparingInt(c -> c))
                        .orElse(-1);
            }
            case SANDWICH -> {
                largest = selected.get(Math.floorMod(round, selected.size()));
                smallest = selected.size() > 1 ? selected.get(Math.floorMod(round + 1, selected.size())) : -1;
            }
            case RANDOM, STATIC -> {
            }
            default -> throw new IllegalArgumentException("unknown sampler '" + sampler + "'; valid: " + SAMPLERS);
        }
        for (int client : selected) {
            if (STATIC.equals(sampler)) {
                out.add(new Assigned(client, staticSubnet, STATIC_ROLE));
            } else if (client == largest) {
                out.add(new Assigned(client, SubnetConfig.largest(options), LARGEST_ROLE));
            } else if (client == smallest) {
                out.add(new Assigned(client, SubnetConfig.smallest(options), SMALLEST_ROLE));
            } else {
                out.add(new Assigned(client, randomSubnet(options, seed, round, client), RANDOM_ROLE));
            }
        }
        return out;
    }

    /** A uniformly random subnet for {@code client} in {@code round}, the same on every coordinator. */
    public static SubnetConfig randomSubnet(ElasticOptions options, long seed, int round, int client) {
        return SubnetConfig.random(options, new Random(Seeds.derive(seed, round, client, 0x5B5EL)));
    }
}
