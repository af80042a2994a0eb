package io.fedarch.core.algorithms.superfednas;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.fedarch.core.ofa.ElasticOptions;
import io.fedarch.core.ofa.SubnetConfig;
import io.fedarch.core.strategy.ServerState;

/**
 * Every subnet the federated evolutionary search has scored, with its fitness, kept in the server
 * state ({@value #KEY}: {@code fitness@encoding|…}). One archive serves all budgets: a subnet's
 * accuracy does not depend on the budget it was proposed for, so a subnet scored for one budget
 * competes in every budget it fits and is never evaluated twice.
 */
public record EvolutionArchive(Map<String, EvolutionarySearch.Scored> scored) {
    static final String KEY = "superfednas.evolution.scored";

    public static EvolutionArchive from(ServerState state, ElasticOptions options) {
        Map<String, EvolutionarySearch.Scored> out = new LinkedHashMap<>();
        String text = state.values().get(KEY);
        if (text != null && !text.isBlank()) {
            for (String entry : text.split("\\|")) {
                int at = entry.indexOf('@');
                if (at < 0) {
                    throw new IllegalArgumentException("evolution archive entry '" + entry + "' is not fitness@subnet");
                }
                SubnetConfig subnet = SubnetConfig.decode(entry.substring(at + 1)).requireValid(options);
                out.put(key(options, subnet), new EvolutionarySearch.Scored(subnet,
                        Double.parseDouble(entry.substring(0, at))));
            }
        }
        return new EvolutionArchive(out);
    }

    /** The key equal networks share (genes of inactive blocks aside). */
    static String key(ElasticOptions options, SubnetConfig subnet) {
        return subnet.normalized(options).encode();
    }

    public boolean contains(ElasticOptions options, SubnetConfig subnet) {
        return scored.containsKey(key(options, subnet));
    }

    public List<EvolutionarySearch.Scored> all() {
        return new ArrayList<>(scored.values());
    }

    /** This archive with {@code fresh} added (an already scored subnet keeps its first fitness). */
    public EvolutionArchive with(ElasticOptions options, List<EvolutionarySearch.Scored> fresh) {
        Map<String, EvolutionarySearch.Scored> out = new LinkedHashMap<>(scored);
        for (EvolutionarySearch.Scored s : fresh) {
            out.putIfAbsent(key(options, s.subnet()), s);
        }
        return new EvolutionArchive(out);
    }

    public ServerState into(ServerState state) {
        StringBuilder text = new StringBuilder();
        for (EvolutionarySearch.Scored s : scored.values()) {
            text.append(text.length() == 0 ? "" : "|").append(String.format(Locale.ROOT, "%.6f", s.fitness()))
                    .append('@').append(s.subnet().encode());
        }
        return state.withValue(KEY, text.toString());
    }
}
