package io.fedarch.core.darts;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Architectures drawn uniformly from a DARTS space: every intermediate node picks two distinct
 * earlier states and, for each, one of the space's operations other than 'none'. This is the
 * random-search baseline of Li & Talwalkar (2019): a search only pays if what it derives beats
 * architectures sampled this way and trained the same way.
 */
public final class RandomGenotypes {
    private RandomGenotypes() {
    }

    /** One architecture of {@code options}' space, fixed by {@code seed}. */
    public static Genotype sample(DartsOptions options, long seed) {
        Random random = new Random(seed);
        List<String> operations = options.operations().stream().filter(p -> p != Primitive.NONE)
                .map(Primitive::dartsName).toList();
        List<Integer> concat = new ArrayList<>();
        for (int s = 2; s < CellTopology.NODES + 2; s++) {
            concat.add(s);
        }
        return new Genotype(cell(random, operations), concat, cell(random, operations), concat).validate();
    }

    private static List<Genotype.Gene> cell(Random random, List<String> operations) {
        List<Genotype.Gene> genes = new ArrayList<>();
        for (int node = 0; node < CellTopology.NODES; node++) {
            int inputs = node + 2;
            int first = random.nextInt(inputs);
            int second = random.nextInt(inputs - 1);
            if (second >= first) {
                second++;
            }
            for (int input : new int[] {Math.min(first, second), Math.max(first, second)}) {
                genes.add(new Genotype.Gene(operations.get(random.nextInt(operations.size())), input));
            }
        }
        return genes;
    }
}
