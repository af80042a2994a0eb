package io.fedarch.core.strategy;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import io.fedarch.events.JobSpec;

/**
 * New clients, to measure how well a federation's model adapts to clients it never trained on
 * (Meta-DNAS's "rapid adaptation to new clients", and the same figure for its FedAvg baseline): with
 * hyperParameter {@value #KNOB} = k the last k clients are never selected, retried or given an
 * asynchronous task; they only take part in the personalization stage.
 */
public final class HeldOutClients {
    public static final String KNOB = "heldOutClients";
    /** The model-ready metric that marks a held-out client's personalized model (1) among the others (0). */
    public static final String METRIC = "heldOut";

    private HeldOutClients() {
    }

    public static HyperParameter knob() {
        return HyperParameter.wholeNumber(KNOB, "0", 0,
                "the last k clients never train; they only adapt the final model in the personalization stage");
    }

    public static int count(JobSpec spec) {
        return (int) HyperParameters.number(spec, KNOB, 0);
    }

    public static boolean isHeldOut(JobSpec spec, int clientId) {
        return clientId >= spec.getTotalClients() - count(spec);
    }

    /** The clients that train: all but the last {@value #KNOB}. */
    public static List<Integer> trainingClients(JobSpec spec) {
        return IntStream.range(0, spec.getTotalClients() - count(spec)).boxed().toList();
    }

    /** FedAvg's seeded draw of clientsPerRound among the training clients (all clients without held-out ones). */
    public static List<Integer> select(JobSpec spec, int round) {
        return ClientSelection.seeded(spec.getTotalClients() - count(spec), spec.getClientsPerRound(), spec.getSeed(),
                round);
    }

    /** What is wrong with the job's held-out clients; empty when nothing is. */
    public static List<String> problems(JobSpec spec) {
        List<String> problems = new ArrayList<>();
        int heldOut;
        try {
            heldOut = count(spec);
        } catch (IllegalArgumentException e) {
            return List.of(e.getMessage());
        }
        if (heldOut == 0) {
            return problems;
        }
        if (heldOut >= spec.getTotalClients()) {
            problems.add(KNOB + " (" + heldOut + ") must leave at least one of the " + spec.getTotalClients()
                    + " clients to train");
        } else if (spec.getClientsPerRound() > spec.getTotalClients() - heldOut) {
            problems.add("clientsPerRound (" + spec.getClientsPerRound() + ") exceeds the "
                    + (spec.getTotalClients() - heldOut) + " clients left to train after " + KNOB + " " + heldOut);
        }
        if (spec.getPersonalizationEpochs() == 0) {
            problems.add(KNOB + " only get a model in the personalization stage: set personalizationEpochs > 0");
        }
        return problems;
    }
}
