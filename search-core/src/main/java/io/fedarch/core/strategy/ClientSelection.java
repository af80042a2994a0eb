package io.fedarch.core.strategy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;

import io.fedarch.core.util.Seeds;

/** FedAvg's client selection, every strategy's default: {@code perRound} of {@code total} clients drawn from (seed, round). */
public final class ClientSelection {
    private static final long SELECTION_SALT = 0x53454c45L;

    /**
     * Up to this many clients the whole range is shuffled, as every recorded run (≤ 100 clients) was
     * drawn, so they replay exactly; above it Floyd's sample draws {@code perRound} ids in
     * O(perRound) memory and time, so a large federation never materialises its range per round.
     */
    static final int SHUFFLED_UP_TO = 10_000;

    private ClientSelection() {
    }

    /** {@code perRound} distinct client ids out of {@code total}, sorted, drawn from a (seed, round)-seeded RNG. */
    public static List<Integer> seeded(int total, int perRound, long seed, int round) {
        if (perRound > total || perRound < 0) {
            throw new IllegalArgumentException("cannot select " + perRound + " of " + total + " clients");
        }
        Random random = new Random(Seeds.derive(seed, SELECTION_SALT, round));
        if (total > SHUFFLED_UP_TO) {
            return floyd(total, perRound, random);
        }
        List<Integer> all = new ArrayList<>(total);
        for (int k = 0; k < total; k++) {
            all.add(k);
        }
        if (perRound < total) {
            Collections.shuffle(all, random);
        }
        List<Integer> chosen = new ArrayList<>(all.subList(0, perRound));
        Collections.sort(chosen);
        return chosen;
    }

    /** Floyd's algorithm: a uniform {@code k}-subset of 0..n−1 from k draws. */
    static List<Integer> floyd(int n, int k, Random random) {
        TreeSet<Integer> chosen = new TreeSet<>();
        for (int j = n - k; j < n; j++) {
            int t = random.nextInt(j + 1);
            if (!chosen.add(t)) {
                chosen.add(j);
            }
        }
        return new ArrayList<>(chosen);
    }
}
