package io.fedarch.core.algorithms.superfednas;

/**
 * MaxNet's weight of the largest subnet in round t (0-based) of the training rounds: β_0 decays to
 * β_T over T rounds and stays there. Cosine (the paper's): β_t = β_0·[(1−a)·½(1+cos(π·min(t,T)/T)) + a]
 * with a = β_T/β_0; linear: β_0 + (β_T − β_0)·min(t,T)/T; uniform: every client weighs the same
 * (β unused). The other clients share 1 − β_t equally.
 *
 * @param kind        cosine, linear or uniform
 * @param start       β_0 (the reference: 0.9)
 * @param end         β_T (the reference: 1/K, uniform over the round's K clients)
 * @param decayRounds T; 0 gives β_T from the first round
 */
public record MaxNetSchedule(String kind, double start, double end, int decayRounds) {
    public static final String COSINE = "cosine";
    public static final String LINEAR = "linear";
    public static final String UNIFORM = "uniform";

    public MaxNetSchedule {
        if (!COSINE.equals(kind) && !LINEAR.equals(kind) && !UNIFORM.equals(kind)) {
            throw new IllegalArgumentException("weighting must be cosine, linear or uniform (got " + kind + ")");
        }
        if (!(start > 0 && start < 1 && end > 0 && end < 1)) {
            throw new IllegalArgumentException("betaStart and betaEnd must be in (0, 1) (got " + start + ", " + end + ")");
        }
        if (decayRounds < 0) {
            throw new IllegalArgumentException("decay rounds must be >= 0 (got " + decayRounds + ")");
        }
    }

    public boolean uniform() {
        return UNIFORM.equals(kind);
    }

    /** β_t for 0-based round {@code t}. */
    public double beta(int t) {
        if (decayRounds == 0) {
            return end;
        }
        double progress = Math.min(t, decayRounds) / (double) decayRounds;
        if (LINEAR.equals(kind)) {
            return start + (end - start) * progress;
        }
        double a = end / start;
        return start * ((1 - a) * 0.5 * (1 + Math.cos(Math.PI * progress)) + a);
    }

    /**
     * The aggregation weight of one of the round's {@code clients} selected clients.
     *
     * @param largest whether this client trained the largest subnet (and is the first to have)
     */
    public double weight(int t, boolean largest, int clients) {
        if (uniform()) {
            return 1.0;
        }
        double beta = beta(t);
        return largest ? beta : clients <= 1 ? 1.0 : (1 - beta) / (clients - 1);
    }
}
