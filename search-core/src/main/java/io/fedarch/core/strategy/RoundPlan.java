package io.fedarch.core.strategy;

import java.util.List;
import java.util.Map;

/** A configured round: the selected client ids and the instructions sent to each of them. */
public record RoundPlan(List<Integer> clients, Map<String, String> roundConfig) {
    /** Round config key naming what the clients do; absent means a federated training/search round. */
    public static final String STAGE = "stage";
    /** {@link #STAGE} value of the personalization stage after the last round. */
    public static final String PERSONALIZE = "personalize";

    public RoundPlan {
        clients = List.copyOf(clients);
        roundConfig = Map.copyOf(roundConfig);
    }

    /** Whether a task's round config asks for local adaptation rather than a federated round. */
    public static boolean isPersonalization(Map<String, String> roundConfig) {
        return roundConfig != null && PERSONALIZE.equals(roundConfig.get(STAGE));
    }
}
