package io.fedarch.core.federation;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import io.fedarch.core.util.Seeds;

/**
 * Who is asked when a round's deadline passes without its quorum: clients not yet asked in the
 * round replace the missing ones (drawn from the job seed, so a replay picks the same ones); when
 * the federation has no unasked client left, the missing clients are asked again.
 */
final class RoundRetry {
    private static final long REPLACEMENT_SALT = 0x7e7c1a5L;

    private RoundRetry() {
    }

    /** @param trainingClients the clients the strategy lets train ({@code Strategy.trainingClients}) */
    static List<Integer> replacements(RoundState round, List<Integer> trainingClients, long seed) {
        int missing = round.expectedUpdates() - round.updates.size();
        List<Integer> unasked = new ArrayList<>();
        for (int client : trainingClients) {
            if (!round.asked.contains(client)) {
                unasked.add(client);
            }
        }
        Collections.shuffle(unasked, new Random(Seeds.derive(seed, REPLACEMENT_SALT, round.round, round.attempt)));
        List<Integer> chosen = new ArrayList<>(unasked.subList(0, Math.min(missing, unasked.size())));
        for (int client : round.asked) {
            if (chosen.size() >= missing) {
                break;
            }
            if (!round.updates.containsKey(client)) {
                chosen.add(client);
            }
        }
        Collections.sort(chosen);
        return chosen;
    }
}
