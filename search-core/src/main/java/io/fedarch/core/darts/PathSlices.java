package io.fedarch.core.darts;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import ai.djl.nn.Parameter;

/**
 * Which rows (first-axis slices) of which supernet tensor a {@link SinglePath} reads and trains:
 * the tensors outside the cells' mixed operations (stem, preprocessing, classifier) whole, and of
 * the stacked operation tensors only the rows of the operations on the path's live edges (the
 * layout {@link WeightInheritance} documents). An edge is live when its operation is not 'none'
 * and its source state is: the inputs always are, a node is when some live edge enters it — the
 * supernet's sparse path skips the rest ({@link SearchCell#applySparse}). α is never part of a path.
 * <p>
 * The supernet's layout (tensor names, shapes, and every operation's rows on every edge) is worked
 * out once per options: a path's slices are then a few bit sets, cheap enough to cost thousands of
 * candidate paths (as fitting a path to a memory budget does).
 */
public final class PathSlices {
    private static final Map<DartsOptions, Layout> LAYOUTS = new ConcurrentHashMap<>();

    private final Layout layout;
    private final BitSet[] rows;

    /** One run of rows of one tensor. */
    private record Slice(int tensor, int from, int count) {
    }

    /** The supernet's tensors and where each operation of each edge of each cell lives in them. */
    private static final class Layout {
        final List<String> names = new ArrayList<>();
        final Map<String, Integer> index = new HashMap<>();
        final List<Parameter> parameters = new ArrayList<>();
        final List<BitSet> base = new ArrayList<>();
        /** [layer][edge][operation column]: the slices of that operation on that edge. */
        final List<Slice>[][][] operations;

        @SuppressWarnings("unchecked")
        Layout(DartsOptions options) {
            for (Map.Entry<String, Parameter> e : new SearchNetwork(options).namedParameters().entrySet()) {
                index.put(e.getKey(), names.size());
                names.add(e.getKey());
                parameters.add(e.getValue());
                int count = Math.toIntExact(e.getValue().getShape().get(0));
                BitSet used = new BitSet(count);
                if (!e.getKey().startsWith("alpha.") && !isOperationTensor(e.getKey())) {
                    used.set(0, count);
                }
                base.add(used);
            }
            List<Primitive> ops = options.operations();
            operations = new List[options.layers()][CellTopology.EDGES][ops.size()];
            int channels = options.channels();
            for (int layer = 0; layer < options.layers(); layer++) {
                boolean reduction = options.isReduction(layer);
                if (reduction) {
                    channels *= 2;
                }
                for (int node = 0; node < CellTopology.NODES; node++) {
                    for (int source = 0; source <= node + 1; source++) {
                        for (int o = 0; o < ops.size(); o++) {
                            operations[layer][CellTopology.edge(source, node)][o] = slices(
                                    CellNetworkFrame.cellPrefix(layer) + ".state" + source, ops.get(o), source, node,
                                    channels, reduction && source < 2, ops);
                        }
                    }
                }
            }
        }

        private List<Slice> slices(String state, Primitive p, int source, int node, int channels, boolean strided,
                                   List<Primitive> operations) {
            List<Slice> slices = new ArrayList<>();
            int edges = CellTopology.outDegree(source);
            int edge = node - CellTopology.firstTarget(source);
            String op = state + "." + p.dartsName();
            if (p.isSeparableConv() || p.isDilatedConv()) {
                int stacked = (MixedOperations.stackedConvolutions(operations).indexOf(p) * edges + edge) * channels;
                add(slices, op + ".dw1.weight", edge * channels, channels);
                add(slices, state + ".convs.pw1.weight", stacked, channels);
                add(slices, state + ".convs.bn1.running_mean", stacked, channels);
                add(slices, state + ".convs.bn1.running_var", stacked, channels);
            }
            if (p.isSeparableConv()) {
                int stacked = (MixedOperations.stackedSeparable(operations).indexOf(p) * edges + edge) * channels;
                add(slices, op + ".dw2.weight", edge * channels, channels);
                add(slices, state + ".sep_convs.pw2.weight", stacked, channels);
                add(slices, state + ".sep_convs.bn2.running_mean", stacked, channels);
                add(slices, state + ".sep_convs.bn2.running_var", stacked, channels);
            }
            if (p.isPool()) {
                int stacked = MixedOperations.stackedPools(operations).indexOf(p) * channels;
                add(slices, state + ".pools.bn.running_mean", stacked, channels);
                add(slices, state + ".pools.bn.running_var", stacked, channels);
            }
            if (p == Primitive.SKIP_CONNECT && strided) {
                int half = channels / 2;
                add(slices, op + ".conv_1.weight", edge * half, half);
                add(slices, op + ".conv_2.weight", edge * half, half);
                add(slices, op + ".bn.running_mean", edge * channels, channels);
                add(slices, op + ".bn.running_var", edge * channels, channels);
            }
            return List.copyOf(slices);
        }

        private void add(List<Slice> slices, String name, int from, int count) {
            Integer tensor = index.get(name);
            if (tensor == null) {
                throw new IllegalStateException("the supernet has no tensor '" + name + "'");
            }
            slices.add(new Slice(tensor, from, count));
        }
    }

    private PathSlices(Layout layout, BitSet[] rows) {
        this.layout = layout;
        this.rows = rows;
    }

    /** The slices of {@code path} in the supernet of {@code options}. */
    public static PathSlices of(DartsOptions options, SinglePath path) {
        if (!path.operations().equals(options.operationNames())) {
            throw new IllegalArgumentException("the path is over operations " + path.operations() + ", the supernet's are "
                    + options.operationNames());
        }
        Layout layout = LAYOUTS.computeIfAbsent(options, Layout::new);
        BitSet[] rows = new BitSet[layout.names.size()];
        for (int t = 0; t < rows.length; t++) {
            rows[t] = (BitSet) layout.base.get(t).clone();
        }
        for (int layer = 0; layer < options.layers(); layer++) {
            boolean reduction = options.isReduction(layer);
            int[] choices = path.choices(reduction);
            boolean[] live = liveStates(path, reduction);
            for (int node = 0; node < CellTopology.NODES; node++) {
                for (int source = 0; source <= node + 1; source++) {
                    int edge = CellTopology.edge(source, node);
                    if (live[source] && path.operation(reduction, edge) != Primitive.NONE) {
                        for (Slice slice : layout.operations[layer][edge][choices[edge]]) {
                            rows[slice.tensor()].set(slice.from(), slice.from() + slice.count());
                        }
                    }
                }
            }
        }
        return new PathSlices(layout, rows);
    }

    /** Whether each state of a cell (0, 1 inputs; 2..5 nodes) carries a value on the path. */
    static boolean[] liveStates(SinglePath path, boolean reduction) {
        boolean[] live = new boolean[CellTopology.NODES + 2];
        live[0] = true;
        live[1] = true;
        for (int node = 0; node < CellTopology.NODES; node++) {
            for (int source = 0; source <= node + 1; source++) {
                if (live[source] && path.operation(reduction, CellTopology.edge(source, node)) != Primitive.NONE) {
                    live[node + 2] = true;
                }
            }
        }
        return live;
    }

    private static boolean isOperationTensor(String name) {
        return name.matches("cells\\.\\d+\\.state\\d+\\..*");
    }

    /** Every supernet tensor's name, in the supernet's order. */
    public List<String> names() {
        return layout.names;
    }

    /** The rows of {@code name} the path uses (empty when none). */
    public BitSet rows(String name) {
        return (BitSet) rows[tensor(name)].clone();
    }

    /** How many rows of {@code name} the path uses. */
    public int usedRowCount(String name) {
        return rows[tensor(name)].cardinality();
    }

    public int rowCount(String name) {
        return Math.toIntExact(layout.parameters.get(tensor(name)).getShape().get(0));
    }

    /** Elements per row of {@code name}. */
    public long rowSize(String name) {
        long[] shape = shape(name);
        long size = 1;
        for (int i = 1; i < shape.length; i++) {
            size *= shape[i];
        }
        return size;
    }

    public long[] shape(String name) {
        return layout.parameters.get(tensor(name)).getShape().getShape();
    }

    /** Whether {@code name} is trained by gradient descent (weights; not α, not running statistics). */
    public boolean trainable(String name) {
        return layout.parameters.get(tensor(name)).requiresGradient() && !name.startsWith("alpha.");
    }

    /** Elements the path uses, over all tensors. */
    public long usedElements() {
        long n = 0;
        for (String name : layout.names) {
            n += usedRowCount(name) * rowSize(name);
        }
        return n;
    }

    private int tensor(String name) {
        Integer t = layout.index.get(name);
        if (t == null) {
            throw new IllegalArgumentException("the supernet has no tensor '" + name + "'");
        }
        return t;
    }
}
