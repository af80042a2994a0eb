package io.fedarch.core.strategy;

import java.util.List;
import java.util.Map;

/** A configured round: the selected client ids and the instructions sent to each of them. */
public record RoundPlan(List<Integer> clients, Map<String, String> roundConfig) {
    public RoundPlan {
        clients = List.copyOf(clients);
        roundConfig = Map.copyOf(roundConfig);
    }
}
