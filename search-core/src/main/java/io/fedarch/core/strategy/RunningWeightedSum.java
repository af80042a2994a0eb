package io.fedarch.core.strategy;

import java.util.ArrayList;
import java.util.List;

import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;

/**
 * Σ wₖ·xₖ tensor by tensor in double precision, folded one model at a time: a round holds one
 * model's sums however many clients report, and the caller drops each model once it is added.
 * With integer sample counts as weights every product nₖ·xₖ of a float is exact in double, so the
 * sums round only where the clients' values differ by orders of magnitude.
 */
public final class RunningWeightedSum {
    private final ModelParameters reference;
    /** Allocated at the first fold, so a round that has not heard from anyone holds nothing. */
    private double[][] sums;
    private double totalWeight;
    private int count;

    /** @param reference the tensor names, order and shapes every folded model must have */
    public RunningWeightedSum(ModelParameters reference) {
        this.reference = reference;
    }

    /**
     * Adds {@code weight · values}.
     *
     * @throws IllegalArgumentException when the model does not fit the reference or the weight is not positive and finite
     */
    public void add(ModelParameters values, double weight) {
        fold(values, null, weight);
    }

    /** Adds {@code weight · (values − base)} (FedBuff's deltas from the version a client started from). */
    public void addDifference(ModelParameters values, ModelParameters base, double weight) {
        fold(values, base, weight);
    }

    private void fold(ModelParameters values, ModelParameters base, double weight) {
        if (!(weight > 0) || !Double.isFinite(weight)) {
            throw new IllegalArgumentException("weight " + weight + " must be positive and finite");
        }
        reference.requireCompatible(values);
        if (base != null) {
            reference.requireCompatible(base);
        }
        if (sums == null) {
            sums = new double[reference.tensors().size()][];
            for (int t = 0; t < sums.length; t++) {
                sums[t] = new double[reference.tensors().get(t).size()];
            }
        }
        List<NamedTensor> tensors = reference.tensors();
        for (int t = 0; t < tensors.size(); t++) {
            String name = tensors.get(t).name();
            float[] x = values.get(name).values();
            double[] sum = sums[t];
            if (base == null) {
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += weight * x[i];
                }
            } else {
                float[] b = base.get(name).values();
                for (int i = 0; i < sum.length; i++) {
                    sum[i] += weight * ((double) x[i] - b[i]);
                }
            }
        }
        totalWeight += weight;
        count++;
    }

    /** How many models were folded. */
    public int count() {
        return count;
    }

    public double totalWeight() {
        return totalWeight;
    }

    /** The sums of the tensor at {@code index} of the reference's order (read-only by contract); null before the first fold. */
    double[] sums(int index) {
        return sums == null ? null : sums[index];
    }

    public ModelParameters reference() {
        return reference;
    }

    /**
     * Σ wₖ·xₖ / Σ wₖ as float tensors.
     *
     * @throws IllegalArgumentException when nothing was folded
     */
    public ModelParameters mean() {
        requireSome();
        return map((t, i) -> sums[t][i] / totalWeight);
    }

    /**
     * {@code offset + factor · Σ wₖ·xₖ}, tensor by tensor, as floats (FedBuff's step from the current model).
     *
     * @throws IllegalArgumentException when nothing was folded
     */
    public ModelParameters offsetBy(ModelParameters offset, double factor) {
        requireSome();
        reference.requireCompatible(offset);
        List<NamedTensor> tensors = reference.tensors();
        float[][] base = new float[tensors.size()][];
        for (int t = 0; t < base.length; t++) {
            base[t] = offset.get(tensors.get(t).name()).values();
        }
        return map((t, i) -> base[t][i] + factor * sums[t][i]);
    }

    private interface Element {
        double at(int tensor, int index);
    }

    private ModelParameters map(Element element) {
        List<NamedTensor> out = new ArrayList<>();
        List<NamedTensor> tensors = reference.tensors();
        for (int t = 0; t < tensors.size(); t++) {
            NamedTensor ref = tensors.get(t);
            float[] values = new float[ref.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) element.at(t, i);
            }
            out.add(new NamedTensor(ref.name(), ref.shape().clone(), values));
        }
        return new ModelParameters(out);
    }

    private void requireSome() {
        if (count == 0) {
            throw new IllegalArgumentException("cannot average zero client results");
        }
    }

    /** The bytes of tensor data this sum holds: one double per model value once anything was folded, else none. */
    public long retainedBytes() {
        if (sums == null) {
            return 0;
        }
        long bytes = 0;
        for (double[] sum : sums) {
            bytes += 8L * sum.length;
        }
        return bytes;
    }
}
