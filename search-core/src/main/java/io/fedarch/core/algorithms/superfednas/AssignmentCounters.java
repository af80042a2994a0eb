package io.fedarch.core.algorithms.superfednas;

import java.util.List;

import io.fedarch.core.ofa.ElasticOptions;
import io.fedarch.core.ofa.SubnetConfig;
import io.fedarch.core.strategy.ServerState;
import io.fedarch.core.tensor.NamedTensor;

/**
 * Tracking-Sandwich's memory, kept in the server state: per client, how often it was assigned the
 * largest and the smallest subnet. Assignments are counted, not completions, so a client that
 * missed its round is not handed the same role again and again.
 */
public record AssignmentCounters(float[] largest, float[] smallest) {
    static final String LARGEST = "superfednas.largestAssignments";
    static final String SMALLEST = "superfednas.smallestAssignments";

    public static AssignmentCounters none(int clients) {
        return new AssignmentCounters(new float[clients], new float[clients]);
    }

    /**
     * The counters in {@code state}, or zeros when it has none yet.
     *
     * @throws IllegalArgumentException when the state's counters do not fit {@code clients}
     */
    public static AssignmentCounters from(ServerState state, int clients) {
        NamedTensor l = state.tensor(LARGEST);
        NamedTensor s = state.tensor(SMALLEST);
        if (l == null || s == null) {
            return none(clients);
        }
        if (l.size() != clients || s.size() != clients) {
            throw new IllegalArgumentException("the server state counts assignments of " + l.size()
                    + " clients, the job has " + clients);
        }
        return new AssignmentCounters(l.values().clone(), s.values().clone());
    }

    /** These counters after a round's assignments. */
    public AssignmentCounters after(ElasticOptions options, List<SubnetAssignment.Assigned> assigned) {
        float[] l = largest.clone();
        float[] s = smallest.clone();
        SubnetConfig max = SubnetConfig.largest(options);
        SubnetConfig min = SubnetConfig.smallest(options);
        for (SubnetAssignment.Assigned a : assigned) {
            if (a.subnet().sameSubnet(max)) {
                l[a.clientId()]++;
            }
            if (a.subnet().sameSubnet(min)) {
                s[a.clientId()]++;
            }
        }
        return new AssignmentCounters(l, s);
    }

    public ServerState into(ServerState state) {
        return state.withTensors(List.of(new NamedTensor(LARGEST, new int[] {largest.length}, largest.clone()),
                new NamedTensor(SMALLEST, new int[] {smallest.length}, smallest.clone())));
    }
}
