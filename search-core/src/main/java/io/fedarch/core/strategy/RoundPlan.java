package io.fedarch.core.strategy;

import java.util.List;
import java.util.Map;

/** A configured round: one instruction per selected client, in selection order. */
public record RoundPlan(List<ClientInstruction> instructions) {
    /** Round config key naming what the clients do; absent means a federated training/search round. */
    public static final String STAGE = "stage";
    /** {@link #STAGE} value of the personalization stage after the last round. */
    public static final String PERSONALIZE = "personalize";

    public RoundPlan {
        instructions = List.copyOf(instructions);
        if (instructions.stream().map(ClientInstruction::clientId).distinct().count() != instructions.size()) {
            throw new IllegalArgumentException("a round plan names a client twice: " + instructions);
        }
    }

    /** The same config for every client, no payload. */
    public static RoundPlan uniform(List<Integer> clients, Map<String, String> config) {
        return new RoundPlan(clients.stream().map(c -> ClientInstruction.of(c, config)).toList());
    }

    public List<Integer> clients() {
        return instructions.stream().map(ClientInstruction::clientId).toList();
    }

    /** Whether a task's round config asks for local adaptation rather than a federated round. */
    public static boolean isPersonalization(Map<String, String> roundConfig) {
        return roundConfig != null && PERSONALIZE.equals(roundConfig.get(STAGE));
    }
}
