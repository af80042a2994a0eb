package io.fedarch.core.algorithms.perfedrlnas;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import io.fedarch.core.darts.CellTopology;
import io.fedarch.core.darts.SinglePath;
import io.fedarch.core.strategy.ServerState;
import io.fedarch.core.tensor.NamedTensor;

/**
 * PerFedRLNAS's "virtual agents": for every client its own categorical policy over the operation of
 * every edge of the normal and the reduction cell (logits α_i, initialised to 1e-3·N(0, 1)), its own
 * Adam (betas 0.5/0.999, no weight decay, moments kept across rounds) and its entry of the reward
 * baseline (the best accuracy it ever reported). It lives in the job's server state, so it is
 * checkpointed and restored with the job; this class is a mutable working copy of it for one step.
 * <p>
 * REINFORCE: after client i trained path a_i and earned reward r_i, every edge e of each cell type
 * gets the gradient r_i·(softmax(α_{i,e}) − onehot(a_{i,e})) = −r_i·∇log π(a_i), and Adam descends
 * it, so a positive reward makes the sampled operations more likely and a negative one less. The
 * reduction cell's gradient uses the reduction cell's own probabilities; the reference computes it
 * with the normal cell's (plato {@code PD/Darts/architect.py:72,114-117}), a bug not reproduced here.
 */
public final class PolicyTable {
    static final String PREFIX = "policy.";
    static final double BETA1 = 0.5;
    static final double BETA2 = 0.999;
    static final double EPSILON = 1e-8;
    private static final String[] CELLS = {"normal", "reduce"};

    private final int clients;
    private final int operations;
    /** [cell][client·14·ops + edge·ops + op] */
    private final float[][] logits = new float[2][];
    private final float[][] firstMoment = new float[2][];
    private final float[][] secondMoment = new float[2][];
    private final float[] steps;
    private final float[] baseline;
    private final float[] baselineSeen;

    private PolicyTable(int clients, int operations) {
        this.clients = clients;
        this.operations = operations;
        int size = clients * CellTopology.EDGES * operations;
        for (int c = 0; c < 2; c++) {
            logits[c] = new float[size];
            firstMoment[c] = new float[size];
            secondMoment[c] = new float[size];
        }
        steps = new float[clients];
        baseline = new float[clients];
        baselineSeen = new float[clients];
    }

    /** Every client's policy at 1e-3·N(0, 1), drawn from {@code seed}; Adam and baseline empty. */
    public static PolicyTable initial(int clients, int operations, long seed) {
        PolicyTable table = new PolicyTable(clients, operations);
        Random random = new Random(seed);
        for (int c = 0; c < 2; c++) {
            for (int k = 0; k < table.logits[c].length; k++) {
                table.logits[c][k] = (float) (1e-3 * random.nextGaussian());
            }
        }
        return table;
    }

    /**
     * The table a server state holds.
     *
     * @throws IllegalArgumentException when the state holds no table of {@code clients} × 14 × {@code operations}
     */
    public static PolicyTable from(ServerState state, int clients, int operations) {
        PolicyTable table = new PolicyTable(clients, operations);
        for (int c = 0; c < 2; c++) {
            table.logits[c] = read(state, PREFIX + CELLS[c], table.logits[c].length);
            table.firstMoment[c] = read(state, PREFIX + "adam.m." + CELLS[c], table.logits[c].length);
            table.secondMoment[c] = read(state, PREFIX + "adam.v." + CELLS[c], table.logits[c].length);
        }
        System.arraycopy(read(state, PREFIX + "adam.step", clients), 0, table.steps, 0, clients);
        System.arraycopy(read(state, PREFIX + "baseline", clients), 0, table.baseline, 0, clients);
        System.arraycopy(read(state, PREFIX + "baselineSeen", clients), 0, table.baselineSeen, 0, clients);
        return table;
    }

    private static float[] read(ServerState state, String name, int size) {
        NamedTensor t = state.tensor(name);
        if (t == null) {
            throw new IllegalArgumentException("the server state has no policy tensor '" + name + "'");
        }
        if (t.values().length != size) {
            throw new IllegalArgumentException("policy tensor '" + name + "' has " + t.values().length
                    + " values; the job needs " + size);
        }
        return t.values().clone();
    }

    /** {@code state} with this table in it. */
    public ServerState into(ServerState state) {
        int[] shape = {clients, CellTopology.EDGES, operations};
        List<NamedTensor> tensors = new ArrayList<>();
        for (int c = 0; c < 2; c++) {
            tensors.add(new NamedTensor(PREFIX + CELLS[c], shape, logits[c]));
            tensors.add(new NamedTensor(PREFIX + "adam.m." + CELLS[c], shape, firstMoment[c]));
            tensors.add(new NamedTensor(PREFIX + "adam.v." + CELLS[c], shape, secondMoment[c]));
        }
        tensors.add(new NamedTensor(PREFIX + "adam.step", new int[] {clients}, steps));
        tensors.add(new NamedTensor(PREFIX + "baseline", new int[] {clients}, baseline));
        tensors.add(new NamedTensor(PREFIX + "baselineSeen", new int[] {clients}, baselineSeen));
        return state.withTensors(tensors);
    }

    public int clients() {
        return clients;
    }

    /** softmax(α) of one client's edges: [edge][operation]. */
    public double[][] probabilities(int client, boolean reduction) {
        double[][] p = new double[CellTopology.EDGES][operations];
        float[] table = logits[reduction ? 1 : 0];
        for (int e = 0; e < CellTopology.EDGES; e++) {
            int base = offset(client, e);
            double max = Double.NEGATIVE_INFINITY;
            for (int o = 0; o < operations; o++) {
                max = Math.max(max, table[base + o]);
            }
            double sum = 0;
            for (int o = 0; o < operations; o++) {
                p[e][o] = Math.exp(table[base + o] - max);
                sum += p[e][o];
            }
            for (int o = 0; o < operations; o++) {
                p[e][o] /= sum;
            }
        }
        return p;
    }

    /** A path drawn from the client's policy, one operation per edge independently. */
    public SinglePath sample(int client, List<String> operationNames, Random random) {
        int[][] choices = new int[2][CellTopology.EDGES];
        for (int c = 0; c < 2; c++) {
            double[][] p = probabilities(client, c == 1);
            for (int e = 0; e < CellTopology.EDGES; e++) {
                double u = random.nextDouble();
                int chosen = operations - 1;
                double cumulative = 0;
                for (int o = 0; o < operations; o++) {
                    cumulative += p[e][o];
                    if (u < cumulative) {
                        chosen = o;
                        break;
                    }
                }
                choices[c][e] = chosen;
            }
        }
        return new SinglePath(operationNames, choices[0], choices[1]);
    }

    /** The client's most probable path: the arg-max operation of every edge (ties: the first). */
    public SinglePath argmax(int client, List<String> operationNames) {
        int[][] choices = new int[2][CellTopology.EDGES];
        for (int c = 0; c < 2; c++) {
            float[] table = logits[c];
            for (int e = 0; e < CellTopology.EDGES; e++) {
                int base = offset(client, e);
                int best = 0;
                for (int o = 1; o < operations; o++) {
                    if (table[base + o] > table[base + best]) {
                        best = o;
                    }
                }
                choices[c][e] = best;
            }
        }
        return new SinglePath(operationNames, choices[0], choices[1]);
    }

    /** One REINFORCE step of the client's policy for having trained {@code path} with {@code reward}. */
    public void reinforce(int client, SinglePath path, double reward, double learningRate) {
        steps[client] += 1;
        double correction1 = 1 - Math.pow(BETA1, steps[client]);
        double correction2 = 1 - Math.pow(BETA2, steps[client]);
        for (int c = 0; c < 2; c++) {
            boolean reduction = c == 1;
            double[][] p = probabilities(client, reduction);
            int[] chosen = path.choices(reduction);
            for (int e = 0; e < CellTopology.EDGES; e++) {
                int base = offset(client, e);
                for (int o = 0; o < operations; o++) {
                    double gradient = reward * (p[e][o] - (o == chosen[e] ? 1 : 0));
                    int k = base + o;
                    double m = BETA1 * firstMoment[c][k] + (1 - BETA1) * gradient;
                    double v = BETA2 * secondMoment[c][k] + (1 - BETA2) * gradient * gradient;
                    firstMoment[c][k] = (float) m;
                    secondMoment[c][k] = (float) v;
                    double denominator = Math.sqrt(v) / Math.sqrt(correction2) + EPSILON;
                    logits[c][k] = (float) (logits[c][k] - learningRate / correction1 * m / denominator);
                }
            }
        }
    }

    /** The client's best reported accuracy, or NaN before it reported any. */
    public double best(int client) {
        return baselineSeen[client] > 0 ? baseline[client] : Double.NaN;
    }

    /** Records an accuracy: the client's baseline entry becomes the best it ever reported. */
    public void recordAccuracy(int client, double accuracy) {
        baseline[client] = baselineSeen[client] > 0 ? (float) Math.max(baseline[client], accuracy) : (float) accuracy;
        baselineSeen[client] = 1f;
    }

    /** The reward baseline: the mean of every seen client's best accuracy (NaN before any). */
    public double baseline() {
        double sum = 0;
        int seen = 0;
        for (int i = 0; i < clients; i++) {
            if (baselineSeen[i] > 0) {
                sum += baseline[i];
                seen++;
            }
        }
        return seen == 0 ? Double.NaN : sum / seen;
    }

    private int offset(int client, int edge) {
        if (client < 0 || client >= clients) {
            throw new IllegalArgumentException("client " + client + " has no policy (the job has " + clients + ")");
        }
        return (client * CellTopology.EDGES + edge) * operations;
    }
}
