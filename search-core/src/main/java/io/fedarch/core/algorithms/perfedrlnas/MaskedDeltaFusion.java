package io.fedarch.core.algorithms.perfedrlnas;

import java.util.ArrayList;
import java.util.List;

import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;

/**
 * PerFedRLNAS's fusion of heterogeneous subnet updates into the shared supernet (plato
 * {@code PD/fednas_tools.py:100-148}): every client's result is the supernet with its own subnet's
 * entries trained, and for every entry
 * <pre>θ ← θ + Σ_i (n_i / N) · 1[|P_i − θ| &gt; 1e-8] · (P_i − θ),   N = Σ_i n_i over the fused clients</pre>
 * so an entry moves only by the clients that trained it, and by their share of all fused samples:
 * an entry one client of five trained moves by that client's n_i/N of its delta (the reference's
 * rule). With {@code renormalise} N is instead the samples of the clients that moved that entry,
 * which makes each entry the sample-weighted mean of the clients that trained it. Entries no client
 * moved keep their exact bits. BN running statistics are fused with the same rule.
 */
public final class MaskedDeltaFusion {
    /** An entry counts as trained when it moved by more than this (the reference's threshold). */
    public static final double MOVED = 1e-8;

    /** One client's contribution: its model (full supernet shape) and its training samples. */
    public record Contribution(ModelParameters parameters, long samples) {
    }

    /**
     * What fusion produced: the supernet, and per contribution the fraction of the tensors it moved
     * whose delta points against the fused delta (cosine &lt; 0), PerFedRLNAS's gradient-conflict ratio.
     */
    public record Fused(ModelParameters supernet, double[] conflictRatios) {
    }

    private MaskedDeltaFusion() {
    }

    public static Fused fuse(ModelParameters global, List<Contribution> contributions, boolean renormalise) {
        double total = 0;
        for (Contribution c : contributions) {
            total += c.samples();
        }
        int[] conflicted = new int[contributions.size()];
        int[] moved = new int[contributions.size()];
        List<NamedTensor> fused = new ArrayList<>();
        for (NamedTensor base : global.tensors()) {
            float[] theta = base.values();
            float[] next = theta.clone();
            double[][] deltas = new double[contributions.size()][];
            double[] aggregate = new double[theta.length];
            float[][] trained = new float[contributions.size()][];
            for (int i = 0; i < trained.length; i++) {
                trained[i] = contributions.get(i).parameters().get(base.name()).values();
            }
            for (int k = 0; k < theta.length; k++) {
                double step = 0;
                double weight = 0;
                boolean anyMoved = false;
                for (int i = 0; i < contributions.size(); i++) {
                    double delta = (double) trained[i][k] - theta[k];
                    if (Math.abs(delta) > MOVED) {
                        if (deltas[i] == null) {
                            deltas[i] = new double[theta.length];
                        }
                        deltas[i][k] = delta;
                        step += contributions.get(i).samples() * delta;
                        weight += contributions.get(i).samples();
                        anyMoved = true;
                    }
                }
                if (anyMoved) {
                    double denominator = renormalise ? weight : total;
                    aggregate[k] = step / denominator;
                    next[k] = (float) (theta[k] + aggregate[k]);
                }
            }
            for (int i = 0; i < contributions.size(); i++) {
                if (deltas[i] != null) {
                    moved[i]++;
                    if (cosine(aggregate, deltas[i]) < 0) {
                        conflicted[i]++;
                    }
                }
            }
            fused.add(new NamedTensor(base.name(), base.shape(), next));
        }
        double[] ratios = new double[contributions.size()];
        for (int i = 0; i < ratios.length; i++) {
            ratios[i] = moved[i] == 0 ? 0 : (double) conflicted[i] / moved[i];
        }
        return new Fused(new ModelParameters(fused), ratios);
    }

    private static double cosine(double[] a, double[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int k = 0; k < a.length; k++) {
            dot += a[k] * b[k];
            na += a[k] * a[k];
            nb += b[k] * b[k];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }
}
