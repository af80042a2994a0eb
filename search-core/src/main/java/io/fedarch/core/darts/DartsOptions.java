package io.fedarch.core.darts;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Knobs of the DARTS search network, parsed from {@code ModelSpec.options} of family "darts".
 *
 * @param channels   initial cell channels C (DARTS: 16); must be even because FactorizedReduce halves it
 * @param layers     number of cells (DARTS search: 8); reduction cells sit at layers/3 and 2·layers/3
 * @param operations the candidate operations, in α column order (default: all eight in DARTS order)
 * @param stemStride 1 keeps 28×28 in the first cells; 2 starts at 14×14, about 4× cheaper
 */
public record DartsOptions(int channels, int layers, List<Primitive> operations, int stemStride) {
    /** Intermediate nodes per cell. */
    public static final int STEPS = 4;
    /** Intermediate nodes concatenated into a cell's output. */
    public static final int MULTIPLIER = 4;
    /** The stem produces STEM_MULTIPLIER·C channels. */
    public static final int STEM_MULTIPLIER = 3;
    public static final DartsOptions DEFAULTS = new DartsOptions(16, 8, Primitive.all(), 1);
    public static final Set<String> KEYS = Set.of("channels", "layers", "ops", "stemStride");

    public DartsOptions {
        if (channels < 2 || channels % 2 != 0) {
            throw new IllegalArgumentException("darts option channels must be even and >= 2, got " + channels);
        }
        if (layers < 1) {
            throw new IllegalArgumentException("darts option layers must be >= 1, got " + layers);
        }
        if (stemStride != 1 && stemStride != 2) {
            throw new IllegalArgumentException("darts option stemStride must be 1 or 2, got " + stemStride);
        }
        operations = List.copyOf(operations);
        if (new LinkedHashSet<>(operations).size() != operations.size()) {
            throw new IllegalArgumentException("darts option ops lists an operation twice: " + names(operations));
        }
        if (operations.stream().allMatch(p -> p == Primitive.NONE)) {
            throw new IllegalArgumentException("darts option ops needs at least one operation besides 'none'");
        }
    }

    /**
     * Defaults overridden by the given options; {@code ops} is a comma-separated list of DARTS names.
     *
     * @throws IllegalArgumentException on unknown keys, operations or unparsable values
     */
    public static DartsOptions parse(Map<String, String> options) {
        int channels = DEFAULTS.channels;
        int layers = DEFAULTS.layers;
        int stemStride = DEFAULTS.stemStride;
        List<Primitive> ops = DEFAULTS.operations;
        if (options != null) {
            for (Map.Entry<String, String> e : options.entrySet()) {
                String value = e.getValue() == null ? "" : e.getValue().trim();
                try {
                    switch (e.getKey()) {
                        case "channels" -> channels = Integer.parseInt(value);
                        case "layers" -> layers = Integer.parseInt(value);
                        case "stemStride" -> stemStride = Integer.parseInt(value);
                        case "ops" -> {
                            ops = new ArrayList<>();
                            for (String name : value.split(",")) {
                                ops.add(Primitive.fromName(name));
                            }
                        }
                        default -> throw new IllegalArgumentException("unknown darts option '" + e.getKey()
                                + "'; valid options: " + new TreeSet<>(KEYS));
                    }
                } catch (NumberFormatException nfe) {
                    throw new IllegalArgumentException("darts option " + e.getKey() + "='" + e.getValue()
                            + "' is not a number", nfe);
                }
            }
        }
        return new DartsOptions(channels, layers, ops, stemStride);
    }

    /** Whether cell {@code layer} (0-based) is a reduction cell, as in DARTS: at layers/3 and 2·layers/3. */
    public boolean isReduction(int layer) {
        return layer == layers / 3 || layer == 2 * layers / 3;
    }

    /** The operation names in α column order. */
    public List<String> operationNames() {
        return names(operations);
    }

    private static List<String> names(List<Primitive> ops) {
        return ops.stream().map(Primitive::dartsName).toList();
    }
}
