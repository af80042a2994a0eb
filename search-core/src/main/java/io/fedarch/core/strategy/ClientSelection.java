package io.fedarch.core.strategy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import io.fedarch.core.util.Seeds;

/** FedAvg's client selection, every strategy's default: {@code perRound} of {@code total} clients drawn from (seed, round). */
public final class ClientSelection {
    private static final long SELECTION_SALT = 0x53454c45L;

    private ClientSelection() {
    }

    /** {@code perRound} distinct client ids out of {@code total}, sorted, drawn from a (seed, round)-seeded RNG. */
    public static List<Integer> seeded(int total, int perRound, long seed, int round) {
        List<Integer> all = new ArrayList<>(total);
        for (int k = 0; k < total; k++) {
            all.add(k);
        }
        if (perRound < total) {
            Collections.shuffle(all, new Random(Seeds.derive(seed, SELECTION_SALT, round)));
        }
        List<Integer> chosen = new ArrayList<>(all.subList(0, perRound));
        Collections.sort(chosen);
        return chosen;
    }
}
