package io.fedarch.core.algorithms.superfednas;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.fedarch.core.strategy.ClientResult;
import io.fedarch.core.strategy.ServerState;
import io.fedarch.core.tensor.ModelParameters;

/**
 * Running totals of a SuperFedNAS job kept in its server state (a restart keeps counting): client
 * compute in forward MACs (subnet MACs × images, training and scoring apart), client-rounds, and the
 * bytes a subnet-only link would carry (down and up). The final figures go to the global
 * model-ready event, next to what fedarch's wire actually moves (the full supernet each way).
 */
final class CostTally {
    static final String TRAINING_MACS = "superfednas.tally.trainingMacs";
    static final String SCORING_MACS = "superfednas.tally.scoringMacs";
    static final String TRAINING_CLIENT_ROUNDS = "superfednas.tally.trainingClientRounds";
    static final String SCORING_CLIENT_ROUNDS = "superfednas.tally.scoringClientRounds";
    static final String SUBNET_BYTES = "superfednas.tally.subnetBytes";

    private CostTally() {
    }

    static ServerState add(ServerState state, List<ClientResult> results) {
        double training = 0;
        double scoring = 0;
        long trainingRounds = 0;
        long scoringRounds = 0;
        double bytes = 0;
        for (ClientResult r : results) {
            Map<String, Double> custom = r.metrics() == null ? Map.of() : r.metrics().getCustom();
            double compute = custom.getOrDefault(SuperFedNasClient.COMPUTE_MACS, 0.0);
            if (custom.containsKey(SuperFedNasClient.FITNESS_SAMPLES)) {
                scoring += compute;
                scoringRounds++;
            } else {
                training += compute;
                trainingRounds++;
                bytes += 2 * custom.getOrDefault(SuperFedNasClient.SUBNET_BYTES, 0.0);
            }
        }
        return state.withValue(TRAINING_MACS, Double.toString(state.number(TRAINING_MACS, 0) + training))
                .withValue(SCORING_MACS, Double.toString(state.number(SCORING_MACS, 0) + scoring))
                .withValue(TRAINING_CLIENT_ROUNDS, Long.toString((long) state.number(TRAINING_CLIENT_ROUNDS, 0) + trainingRounds))
                .withValue(SCORING_CLIENT_ROUNDS, Long.toString((long) state.number(SCORING_CLIENT_ROUNDS, 0) + scoringRounds))
                .withValue(SUBNET_BYTES, Double.toString(state.number(SUBNET_BYTES, 0) + bytes));
    }

    /**
     * clientTrainingMacs, clientScoringMacs (forward MACs × images), trainingClientRounds,
     * scoringClientRounds, subnetLinkBytes (subnets down and up), supernetBytes (fp32).
     */
    static Map<String, Double> figures(ServerState state, ModelParameters supernet) {
        Map<String, Double> figures = new LinkedHashMap<>();
        figures.put("clientTrainingMacs", state.number(TRAINING_MACS, 0));
        figures.put("clientScoringMacs", state.number(SCORING_MACS, 0));
        figures.put("trainingClientRounds", state.number(TRAINING_CLIENT_ROUNDS, 0));
        figures.put("scoringClientRounds", state.number(SCORING_CLIENT_ROUNDS, 0));
        figures.put("subnetLinkBytes", state.number(SUBNET_BYTES, 0));
        figures.put("supernetBytes", 4.0 * supernet.elementCount());
        return figures;
    }
}
