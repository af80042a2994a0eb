package io.fedarch.coordinator.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fedarch.events.ClientMetrics;
import io.fedarch.events.ClientUpdate;
import io.fedarch.events.ModelState;

/** Placing a round's tasks onto the workers: the default until the readers and costs are known, then balanced. */
class TaskPlacementTest {
    private static final int PARTITIONS = 8;
    /** Training samples of the default example's 10 Dirichlet shards. */
    private static final double[] COST = {7270, 4619, 6070, 5771, 6036, 2441, 5433, 4418, 5811, 6130};

    private static List<TaskPlacement.Order> round(int round) {
        return round(round, COST.length);
    }

    private static List<TaskPlacement.Order> round(int round, int clients) {
        List<TaskPlacement.Order> orders = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            orders.add(new TaskPlacement.Order("r" + round + "c" + c, c));
        }
        return orders;
    }

    /** Worker "a" reads the even partitions and "b" the odd ones (the group's round-robin assignment). */
    private static void answerAll(TaskPlacement placement, Map<String, Integer> placed, int round) {
        for (int c = 0; c < COST.length; c++) {
            if (!placed.containsKey("r" + round + "c" + c)) {
                continue;
            }
            String task = "r" + round + "c" + c;
            String worker = placed.get(task) % 2 == 0 ? "a" : "b";
            Map<String, Double> custom = new HashMap<>();
            placement.answered(ClientUpdate.newBuilder().setEventId("u" + task).setJobId("job").setTimestamp(Instant.EPOCH)
                    .setTaskEventId(task).setRound(round).setClientId(c).setBaseModelVersion(0).setWorkerId(worker)
                    .setSampleCount((long) COST[c]).setModelState(ModelState.newBuilder().setTensors(List.of()).build())
                    .setMetrics(ClientMetrics.newBuilder().setTrainLoss(0).setTrainAccuracy(0).setValidationLoss(0)
                            .setValidationAccuracy(0).setGlobalValidationAccuracy(0).setValidationSamples(1).setSteps(1)
                            .setComputeMs(1).setUpdateBytes(1).setCustom(custom).build())
                    .build());
        }
    }

    private static double[] loads(Map<String, Integer> placed, int round) {
        double[] load = new double[2];
        for (int c = 0; c < COST.length; c++) {
            load[placed.get("r" + round + "c" + c) % 2] += COST[c];
        }
        return load;
    }

    @Test
    void theFirstRoundGoesByClientIdThenRoundsAreBalancedBySamples() {
        TaskPlacement placement = new TaskPlacement(PARTITIONS, true);
        Map<String, Integer> first = placement.place("job", round(1));
        for (int c = 0; c < COST.length; c++) {
            assertEquals(c % PARTITIONS, first.get("r1c" + c), "nothing known yet: client mod partitions");
        }
        double[] before = loads(first, 1);
        answerAll(placement, first, 1);

        Map<String, Integer> second = placement.place("job", round(2));
        double[] after = loads(second, 2);
        assertEquals(30620 - 23379, Math.abs(before[0] - before[1]), 1e-9, "by client id");
        assertTrue(Math.abs(after[0] - after[1]) <= 17, "LPT's gap of 1,725, then moves and swaps: " + after[0]
                + " vs " + after[1]);
        assertEquals(PARTITIONS, second.values().stream().distinct().count(),
                "each worker's tasks go round its partitions, so every reader stays known");
    }

    @Test
    void fewerClientsThanPartitionsAreBalancedOverTheWorkersTheirPartitionsShowed() {
        TaskPlacement placement = new TaskPlacement(PARTITIONS, true);
        Map<String, Integer> first = placement.place("job", round(1, 5));
        assertEquals(3, first.values().stream().filter(p -> p % 2 == 0).count(), "by client id: 3 tasks on a, 2 on b");
        answerAll(placement, first, 1);
        Map<String, Integer> second = placement.place("job", round(2, 5));
        long onA = second.values().stream().filter(p -> p % 2 == 0).count();
        assertTrue(onA == 2 || onA == 3, "both workers keep tasks: " + second);
        assertTrue(second.values().stream().allMatch(first::containsValue),
                "only partitions whose reader answered: " + second + " vs " + first);
    }

    @Test
    void aSingleTaskAClientWithoutACostOrBalancingOffKeepTheDefault() {
        TaskPlacement placement = new TaskPlacement(PARTITIONS, true);
        answerAll(placement, placement.place("job", round(1)), 1);
        assertEquals(Map.of("one", 9 % PARTITIONS), placement.place("job", List.of(new TaskPlacement.Order("one", 9))));
        List<TaskPlacement.Order> withNewcomer = new ArrayList<>(round(2));
        withNewcomer.add(new TaskPlacement.Order("r2c10", 10));
        Map<String, Integer> placed = placement.place("job", withNewcomer);
        for (TaskPlacement.Order order : withNewcomer) {
            assertEquals(order.clientId() % PARTITIONS, placed.get(order.taskEventId()), "client 10 has no cost yet");
        }

        TaskPlacement off = new TaskPlacement(PARTITIONS, false);
        answerAll(off, off.place("job", round(1)), 1);
        Map<String, Integer> unbalanced = off.place("job", round(2));
        for (int c = 0; c < COST.length; c++) {
            assertEquals(c % PARTITIONS, unbalanced.get("r2c" + c));
        }
    }
}
