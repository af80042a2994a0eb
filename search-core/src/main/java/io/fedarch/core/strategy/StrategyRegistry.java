package io.fedarch.core.strategy;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Looks strategies up by the job's algorithm name. New algorithms register here and nowhere else. */
public final class StrategyRegistry {
    private final Map<String, Strategy> byName = new TreeMap<>();

    public StrategyRegistry(Strategy... strategies) {
        for (Strategy s : strategies) {
            byName.put(s.name(), s);
        }
    }

    /** Every strategy fedarch ships. */
    public static StrategyRegistry builtIn() {
        return new StrategyRegistry(new FedAvg(), new FedNas(), new FedMetaNas());
    }

    public Strategy get(String algorithm) {
        Strategy s = byName.get(algorithm == null ? "" : algorithm.toLowerCase(java.util.Locale.ROOT));
        if (s == null) {
            throw new IllegalArgumentException("unknown algorithm '" + algorithm + "'; known: " + byName.keySet());
        }
        return s;
    }

    public Set<String> names() {
        return byName.keySet();
    }
}
