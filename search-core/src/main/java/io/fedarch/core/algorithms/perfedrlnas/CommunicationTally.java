package io.fedarch.core.algorithms.perfedrlnas;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.fedarch.core.strategy.ServerState;
import io.fedarch.core.tensor.ModelParameters;

/**
 * Running totals of a PerFedRLNAS search kept in its server state (so a restart keeps counting):
 * client-rounds, the bytes their subnets would take on a subnet-only link, and the client-rounds
 * whose path exceeded the device's memory budget. The final figures go to the global model-ready
 * event, next to the bytes fedarch actually moves (the full supernet per update).
 */
final class CommunicationTally {
    static final String CLIENT_ROUNDS = "tally.clientRounds";
    static final String SUBNET_BYTES = "tally.subnetBytes";
    static final String OVER_BUDGET = "tally.overBudgetClientRounds";

    private CommunicationTally() {
    }

    static ServerState add(ServerState state, List<RoundRewards.Report> reports) {
        double bytes = 0;
        int over = 0;
        for (RoundRewards.Report report : reports) {
            bytes += report.subnetBytes();
            over += report.trained() ? 0 : 1;
        }
        return state.withValue(CLIENT_ROUNDS, Long.toString((long) state.number(CLIENT_ROUNDS, 0) + reports.size()))
                .withValue(SUBNET_BYTES, Long.toString((long) (state.number(SUBNET_BYTES, 0) + bytes)))
                .withValue(OVER_BUDGET, Long.toString((long) state.number(OVER_BUDGET, 0) + over));
    }

    /** meanSubnetBytesPerClientRound, supernetBytes (fp32), clientRounds, overBudgetClientRounds. */
    static Map<String, Double> figures(ServerState state, ModelParameters supernet) {
        double rounds = state.number(CLIENT_ROUNDS, 0);
        Map<String, Double> figures = new LinkedHashMap<>();
        figures.put("clientRounds", rounds);
        figures.put("meanSubnetBytesPerClientRound", rounds == 0 ? 0 : state.number(SUBNET_BYTES, 0) / rounds);
        figures.put("supernetBytes", 4.0 * supernet.elementCount());
        figures.put("overBudgetClientRounds", state.number(OVER_BUDGET, 0));
        return figures;
    }
}
