package io.fedarch.core.strategy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;

/**
 * What a strategy keeps on the server across rounds next to the global model: named tensors
 * (policies, optimizer moments, counters, masks) and small typed values. The engine checkpoints and
 * restores it with the job; it is never sent to clients unless the strategy puts part of it into a
 * {@link ClientInstruction}, and never part of an exported model.
 *
 * @param values sorted by key, so its encoding (and a checkpoint's bytes) is reproducible
 */
public record ServerState(ModelParameters tensors, Map<String, String> values) {
    public static final ServerState EMPTY = new ServerState(new ModelParameters(List.of()), Map.of());

    public ServerState {
        values = Collections.unmodifiableMap(new TreeMap<>(values));
    }

    public boolean isEmpty() {
        return tensors.tensors().isEmpty() && values.isEmpty();
    }

    /** The named tensor, or null. */
    public NamedTensor tensor(String name) {
        return tensors.contains(name) ? tensors.get(name) : null;
    }

    /** This state with {@code replaced} tensors put in (same name: replaced, new name: appended). */
    public ServerState withTensors(List<NamedTensor> replaced) {
        List<NamedTensor> all = new ArrayList<>();
        for (NamedTensor t : tensors.tensors()) {
            all.add(replaced.stream().filter(r -> r.name().equals(t.name())).findFirst().orElse(t));
        }
        replaced.stream().filter(r -> !tensors.contains(r.name())).forEach(all::add);
        return new ServerState(new ModelParameters(all), values);
    }

    public ServerState withValue(String key, String value) {
        Map<String, String> next = new TreeMap<>(values);
        next.put(key, value);
        return new ServerState(tensors, next);
    }

    /** A numeric value, or {@code fallback} when absent. */
    public double number(String key, double fallback) {
        String value = values.get(key);
        return value == null ? fallback : Double.parseDouble(value);
    }
}
