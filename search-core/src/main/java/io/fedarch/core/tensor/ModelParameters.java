package io.fedarch.core.tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's state as an ordered list of named tensors: what travels between server and clients
 * and what strategies average. Order is the model's parameter order and is preserved end to end.
 */
public final class ModelParameters {
    private final List<NamedTensor> tensors;
    private final Map<String, NamedTensor> byName;

    public ModelParameters(List<NamedTensor> tensors) {
        this.tensors = List.copyOf(tensors);
        Map<String, NamedTensor> index = new LinkedHashMap<>();
        for (NamedTensor t : this.tensors) {
            if (index.put(t.name(), t) != null) {
                throw new IllegalArgumentException("duplicate tensor name '" + t.name() + "'");
            }
        }
        this.byName = Collections.unmodifiableMap(index);
    }

    public List<NamedTensor> tensors() {
        return tensors;
    }

    public NamedTensor get(String name) {
        NamedTensor t = byName.get(name);
        if (t == null) {
            throw new IllegalArgumentException("no tensor named '" + name + "'");
        }
        return t;
    }

    public boolean contains(String name) {
        return byName.containsKey(name);
    }

    public List<String> names() {
        return new ArrayList<>(byName.keySet());
    }

    public long elementCount() {
        long n = 0;
        for (NamedTensor t : tensors) {
            n += t.size();
        }
        return n;
    }

    /** Name of the first tensor holding a NaN or infinity, or null when all values are finite. */
    public String firstNonFinite() {
        for (NamedTensor t : tensors) {
            for (float v : t.values()) {
                if (!Float.isFinite(v)) {
                    return t.name();
                }
            }
        }
        return null;
    }

    /**
     * Checks that {@code other} has exactly this state's tensor names and shapes, so it can be
     * averaged with or loaded in place of it.
     *
     * @throws IllegalArgumentException naming the first mismatch
     */
    public void requireCompatible(ModelParameters other) {
        if (other.tensors.size() != tensors.size()) {
            throw new IllegalArgumentException("expected " + tensors.size() + " tensors but got " + other.tensors.size());
        }
        for (NamedTensor mine : tensors) {
            NamedTensor theirs = other.byName.get(mine.name());
            if (theirs == null) {
                throw new IllegalArgumentException("missing tensor '" + mine.name() + "'");
            }
            if (!mine.sameShape(theirs)) {
                throw new IllegalArgumentException("tensor '" + mine.name() + "' has shape "
                        + java.util.Arrays.toString(theirs.shape()) + ", expected "
                        + java.util.Arrays.toString(mine.shape()));
            }
        }
    }
}
