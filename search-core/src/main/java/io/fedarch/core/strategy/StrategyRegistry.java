package io.fedarch.core.strategy;

import io.fedarch.core.algorithms.fedavg.FedAvg;
import io.fedarch.core.algorithms.fednas.FedNas;
import io.fedarch.core.algorithms.fedmetanas.FedMetaNas;
import io.fedarch.core.algorithms.perfedrlnas.PerFedRlNas;
import io.fedarch.core.algorithms.superfednas.SuperFedNas;
import io.fedarch.core.algorithms.metadnas.MetaDnas;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Looks strategies up by the job's algorithm name. Built-in algorithms register in {@link #builtIn()};
 * others arrive as jars on the strategy path ({@link StrategyPlugins}).
 */
public final class StrategyRegistry {
    private final Map<String, Strategy> byName = new TreeMap<>();

    public StrategyRegistry(Strategy... strategies) {
        this(List.of(strategies));
    }

    private StrategyRegistry(List<Strategy> strategies) {
        for (Strategy s : strategies) {
            if (byName.put(s.name(), s) != null) {
                throw new IllegalStateException("two strategies are named '" + s.name() + "'");
            }
        }
    }

    /** Every strategy fedarch ships, and those of the jars on the strategy path ({@link StrategyPlugins}). */
    public static StrategyRegistry builtIn() {
        List<Strategy> all = new ArrayList<>(List.of(new FedAvg(), new FedNas(), new FedMetaNas(), new PerFedRlNas(),
                new SuperFedNas(), new MetaDnas()));
        all.addAll(StrategyPlugins.load());
        return new StrategyRegistry(all);
    }

    public Strategy get(String algorithm) {
        Strategy s = byName.get(algorithm == null ? "" : algorithm.toLowerCase(Locale.ROOT));
        if (s == null) {
            throw new IllegalArgumentException("unknown algorithm '" + algorithm + "'; known: " + byName.keySet());
        }
        return s;
    }

    public Set<String> names() {
        return byName.keySet();
    }
}
