package io.fedarch.core.darts;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.events.SearchMask;

/**
 * The soft-pruning state of a DARTS search space: for each cell type a 14 × operations table of
 * keep factors (DARTS edge order, columns in the job's operation order). 1 = active, 0 = pruned
 * (never evaluated), in between = decaying. A factor m scales the operation's probability: the
 * supernet mixes with logits α + log m, so a decaying operation fades out smoothly instead of
 * vanishing at once, and a pruned one (log 0 = −∞) gets exactly zero weight.
 *
 * @param operations column names (DARTS names)
 */
public record OperationMask(List<String> operations, float[] normal, float[] reduce) {
    /** Stand-in for log 0: exp underflows to exactly 0 and α + this stays finite in float. */
    static final float LOG_ZERO = -1e30f;

    public OperationMask {
        operations = List.copyOf(operations);
        int size = CellTopology.EDGES * operations.size();
        if (operations.isEmpty()) {
            throw new IllegalArgumentException("a mask needs at least one operation");
        }
        check("normal", normal, size);
        check("reduce", reduce, size);
        normal = normal.clone();
        reduce = reduce.clone();
    }

    private static void check(String name, float[] table, int size) {
        if (table == null || table.length != size) {
            throw new IllegalArgumentException("mask table '" + name + "' needs " + CellTopology.EDGES + " x operations = "
                    + size + " factors, got " + (table == null ? "none" : table.length));
        }
        for (int i = 0; i < table.length; i++) {
            if (!(table[i] >= 0f && table[i] <= 1f)) {
                throw new IllegalArgumentException("mask table '" + name + "' factor " + i + " is " + table[i]
                        + "; keep factors lie in [0, 1]");
            }
        }
    }

    /** Everything active. */
    public static OperationMask full(List<String> operations) {
        float[] ones = new float[CellTopology.EDGES * operations.size()];
        Arrays.fill(ones, 1f);
        return new OperationMask(operations, ones, ones);
    }

    public static OperationMask full(DartsOptions options) {
        return full(options.operationNames());
    }

    public float factor(boolean reduction, int edge, int operation) {
        return (reduction ? reduce : normal)[edge * operations.size() + operation];
    }

    /** A copy of one cell type's factors as 14 rows. */
    public float[][] rows(boolean reduction) {
        float[] table = reduction ? reduce : normal;
        float[][] rows = new float[CellTopology.EDGES][];
        for (int e = 0; e < rows.length; e++) {
            rows[e] = Arrays.copyOfRange(table, e * operations.size(), (e + 1) * operations.size());
        }
        return rows;
    }

    public static OperationMask of(List<String> operations, float[][] normal, float[][] reduce) {
        return new OperationMask(operations, flatten(normal), flatten(reduce));
    }

    private static float[] flatten(float[][] rows) {
        int columns = rows.length == 0 ? 0 : rows[0].length;
        float[] flat = new float[rows.length * columns];
        for (int e = 0; e < rows.length; e++) {
            System.arraycopy(rows[e], 0, flat, e * columns, columns);
        }
        return flat;
    }

    /** The additive logit term log m of one cell type, row-major (LOG_ZERO for pruned operations). */
    float[] logFactors(boolean reduction) {
        float[] table = reduction ? reduce : normal;
        float[] log = new float[table.length];
        for (int i = 0; i < table.length; i++) {
            log[i] = table[i] > 0f ? (float) Math.log(table[i]) : LOG_ZERO;
        }
        return log;
    }

    public boolean isFull() {
        for (int i = 0; i < normal.length; i++) {
            if (normal[i] != 1f || reduce[i] != 1f) {
                return false;
            }
        }
        return true;
    }

    public int totalOperations() {
        return normal.length + reduce.length;
    }

    /** Operations with a factor > 0: those a round may evaluate. */
    public int activeOperations() {
        return count(normal, 0f, true) + count(reduce, 0f, true);
    }

    /** Operations with a factor strictly between 0 and 1. */
    public int decayingOperations() {
        int n = 0;
        for (float[] table : new float[][] {normal, reduce}) {
            for (float f : table) {
                if (f > 0f && f < 1f) {
                    n++;
                }
            }
        }
        return n;
    }

    /** Edges (both cell types) with an active operation other than 'none'. */
    public int activeEdges() {
        int none = operations.indexOf(Primitive.NONE.dartsName());
        int n = 0;
        for (float[] table : new float[][] {normal, reduce}) {
            for (int e = 0; e < CellTopology.EDGES; e++) {
                for (int o = 0; o < operations.size(); o++) {
                    if (o != none && table[e * operations.size() + o] > 0f) {
                        n++;
                        break;
                    }
                }
            }
        }
        return n;
    }

    private static int count(float[] table, float above, boolean strictly) {
        int n = 0;
        for (float f : table) {
            if (strictly ? f > above : f >= above) {
                n++;
            }
        }
        return n;
    }

    /** Checks that the columns are the supernet's operations, in its order. */
    public OperationMask requireFits(DartsOptions options) {
        if (!operations.equals(options.operationNames())) {
            throw new IllegalArgumentException("the mask's operations " + operations + " are not the model's "
                    + options.operationNames());
        }
        return this;
    }

    /** The two keep-factor tables as named tensors [14, operations] ({@code prefix.normal}, {@code prefix.reduce}). */
    public List<NamedTensor> toTensors(String prefix) {
        int[] shape = {CellTopology.EDGES, operations.size()};
        return List.of(new NamedTensor(prefix + ".normal", shape, normal.clone()),
                new NamedTensor(prefix + ".reduce", shape, reduce.clone()));
    }

    /**
     * The mask {@link #toTensors} wrote, for the space of {@code operations}.
     *
     * @throws IllegalArgumentException when a table is missing or does not fit
     */
    public static OperationMask fromTensors(List<String> operations, ModelParameters tensors, String prefix) {
        for (String table : List.of(".normal", ".reduce")) {
            if (tensors == null || !tensors.contains(prefix + table)) {
                throw new IllegalArgumentException("no mask table '" + prefix + table + "'");
            }
        }
        int[] shape = {CellTopology.EDGES, operations.size()};
        for (String table : List.of(".normal", ".reduce")) {
            if (!Arrays.equals(shape, tensors.get(prefix + table).shape())) {
                throw new IllegalArgumentException("mask table '" + prefix + table + "' has shape "
                        + Arrays.toString(tensors.get(prefix + table).shape()) + "; the space needs "
                        + Arrays.toString(shape) + " (edges x operations)");
            }
        }
        return new OperationMask(operations, tensors.get(prefix + ".normal").values(),
                tensors.get(prefix + ".reduce").values());
    }

    public static OperationMask fromAvro(SearchMask mask) {
        return new OperationMask(mask.getOperations(), toArray(mask.getNormal()), toArray(mask.getReduce()));
    }

    public SearchMask toAvro() {
        return SearchMask.newBuilder().setOperations(new ArrayList<>(operations)).setNormal(toList(normal))
                .setReduce(toList(reduce)).build();
    }

    private static float[] toArray(List<Float> values) {
        float[] out = new float[values.size()];
        for (int i = 0; i < out.length; i++) {
            Float v = values.get(i);
            out[i] = v == null ? Float.NaN : v;
        }
        return out;
    }

    private static List<Float> toList(float[] values) {
        List<Float> out = new ArrayList<>(values.length);
        for (float v : values) {
            out.add(v);
        }
        return out;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof OperationMask m && operations.equals(m.operations) && Arrays.equals(normal, m.normal)
                && Arrays.equals(reduce, m.reduce);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * operations.hashCode() + Arrays.hashCode(normal)) + Arrays.hashCode(reduce);
    }

    @Override
    public String toString() {
        return "OperationMask[" + activeOperations() + "/" + totalOperations() + " active, " + decayingOperations()
                + " decaying]";
    }
}
