package io.fedarch.core.darts;

/**
 * The wiring of a DARTS cell: states 0 and 1 are the two preprocessed cell inputs, states 2..5
 * the intermediate nodes; node j (0-based) receives one edge from every earlier state, so the
 * 4 nodes have 2+3+4+5 = 14 edges. Edge numbering follows DARTS (grouped by target node), which
 * is the row order of the α tables.
 */
public final class CellTopology {
    public static final int NODES = DartsOptions.STEPS;
    public static final int EDGES = NODES * (NODES + 3) / 2;
    /** States that feed at least one edge: the two inputs and nodes 0..2. */
    public static final int SOURCE_STATES = NODES + 1;

    private CellTopology() {
    }

    /** DARTS's index of the edge from state {@code source} into node {@code node}. */
    public static int edge(int source, int node) {
        if (node < 0 || node >= NODES || source < 0 || source > node + 1) {
            throw new IllegalArgumentException("no edge from state " + source + " into node " + node);
        }
        return node * (node + 3) / 2 + source;
    }

    /** The first node that state {@code source} feeds. */
    public static int firstTarget(int source) {
        return Math.max(0, source - 1);
    }

    /** How many edges leave state {@code source}. */
    public static int outDegree(int source) {
        return NODES - firstTarget(source);
    }

    /**
     * DARTS edge indices ordered by source state, then target node: the order in which the
     * network evaluates edges (all edges leaving a state are computed together).
     */
    public static int[] sourceMajorEdges() {
        int[] order = new int[EDGES];
        int k = 0;
        for (int source = 0; source < SOURCE_STATES; source++) {
            for (int node = firstTarget(source); node < NODES; node++) {
                order[k++] = edge(source, node);
            }
        }
        return order;
    }

    /** Position of state {@code source}'s first edge in {@link #sourceMajorEdges()}. */
    public static int sourceMajorOffset(int source) {
        int offset = 0;
        for (int s = 0; s < source; s++) {
            offset += outDegree(s);
        }
        return offset;
    }
}
