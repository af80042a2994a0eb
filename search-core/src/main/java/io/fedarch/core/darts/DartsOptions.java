package io.fedarch.core.darts;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import io.fedarch.core.model.ModelFactory;
import io.fedarch.events.InputShape;

/**
 * Knobs of the DARTS search network, parsed from {@code ModelSpec.options} of family "darts".
 *
 * @param channels   initial cell channels C (DARTS: 16); must be even because FactorizedReduce halves it
 * @param layers     number of cells (DARTS search: 8); reduction cells sit at layers/3 and 2·layers/3
 * @param operations the candidate operations, in α column order (default: all eight in DARTS order)
 * @param stemStride 1 keeps 28×28 in the first cells; 2 starts at 14×14, about 4× cheaper
 * @param partialChannels PC-DARTS's K: each mixed operation sees 1/K of its input channels, the rest
 *                   bypass it (max-pooled on reduction edges) and the two are channel-shuffled; 1 =
 *                   DARTS. Must divide C. A supernet with K > 1 cannot hand its weights to the derived
 *                   network (the operations have C/K channels), so the derived network trains from scratch.
 * @param maxParameterFree the collapse guard: at most this many parameter-free operations (skip,
 *                   pooling) per derived cell, the rest replaced by their edge's strongest operation
 *                   with weights (P-DARTS's cap on skip connections, extended to pooling); 8 = no cap.
 *                   Default 2, P-DARTS's M: measured in the search protocol (bench/results/search-pays/README.md,
 *                   "Ablation"), the uncapped derivation kept 13 of 16 parameter-free and lost 8 points.
 * @param input      the shape of the input images: the spec's inputShape (not an option; parsed options
 *                   are for Fashion-MNIST's 1×28×28 until {@link #withInput})
 */
public record DartsOptions(int channels, int layers, List<Primitive> operations, int stemStride, int partialChannels,
                           int maxParameterFree, InputShape input) {
    /** Intermediate nodes per cell. */
    public static final int STEPS = 4;
    /** Intermediate nodes concatenated into a cell's output. */
    public static final int MULTIPLIER = 4;
    /** Bounds that keep a spec's network buildable at all (DARTS' own largest: C=36, 20 cells); sizes are checked by JobLimits. */
    public static final int MAX_CHANNELS = 1024;
    public static final int MAX_LAYERS = 64;

    /** The stem produces STEM_MULTIPLIER·C channels. */
    public static final int STEM_MULTIPLIER = 3;
    /** Every gene of a cell (4 nodes × 2 inputs): a cap this high never binds. */
    public static final int NO_CAP = 2 * STEPS;
    /** The collapse guard's default: P-DARTS's M = 2 per cell. */
    public static final int DEFAULT_MAX_PARAMETER_FREE = 2;
    public static final DartsOptions DEFAULTS = new DartsOptions(16, 8, Primitive.all(), 1, 1,
            DEFAULT_MAX_PARAMETER_FREE);
    public static final Set<String> KEYS = Set.of("channels", "layers", "ops", "stemStride", "partialChannels",
            "maxParameterFree");

    /** DARTS's dimensions without partial channels or a collapse guard. */
    public DartsOptions(int channels, int layers, List<Primitive> operations, int stemStride) {
        this(channels, layers, operations, stemStride, 1, NO_CAP);
    }

    /** These dimensions for Fashion-MNIST's 1×28×28 images. */
    public DartsOptions(int channels, int layers, List<Primitive> operations, int stemStride, int partialChannels,
                        int maxParameterFree) {
        this(channels, layers, operations, stemStride, partialChannels, maxParameterFree, ModelFactory.defaultInput());
    }

    /** These options for images of {@code shape} (a copy: Avro records are mutable). */
    public DartsOptions withInput(InputShape shape) {
        return new DartsOptions(channels, layers, operations, stemStride, partialChannels, maxParameterFree,
                InputShape.newBuilder(shape).build());
    }

    public DartsOptions {
        if (channels < 2 || channels % 2 != 0 || channels > MAX_CHANNELS) {
            throw new IllegalArgumentException("darts option channels must be even and in 2.." + MAX_CHANNELS
                    + ", got " + channels);
        }
        if (layers < 1 || layers > MAX_LAYERS) {
            throw new IllegalArgumentException("darts option layers must be in 1.." + MAX_LAYERS + ", got " + layers);
        }
        if (stemStride != 1 && stemStride != 2) {
            throw new IllegalArgumentException("darts option stemStride must be 1 or 2, got " + stemStride);
        }
        if (partialChannels < 1 || channels % partialChannels != 0 || (channels / partialChannels) % 2 != 0) {
            throw new IllegalArgumentException("darts option partialChannels must be >= 1 and divide channels ("
                    + channels + ") into an even number of channels, got " + partialChannels);
        }
        if (maxParameterFree < 0 || maxParameterFree > NO_CAP) {
            throw new IllegalArgumentException("darts option maxParameterFree must be in [0, " + NO_CAP + "], got "
                    + maxParameterFree);
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
        int partialChannels = DEFAULTS.partialChannels;
        int maxParameterFree = DEFAULTS.maxParameterFree;
        List<Primitive> ops = DEFAULTS.operations;
        if (options != null) {
            for (Map.Entry<String, String> e : options.entrySet()) {
                String value = e.getValue() == null ? "" : e.getValue().trim();
                try {
                    switch (e.getKey()) {
                        case "channels" -> channels = Integer.parseInt(value);
                        case "layers" -> layers = Integer.parseInt(value);
                        case "stemStride" -> stemStride = Integer.parseInt(value);
                        case "partialChannels" -> partialChannels = Integer.parseInt(value);
                        case "maxParameterFree" -> maxParameterFree = Integer.parseInt(value);
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
        return new DartsOptions(channels, layers, ops, stemStride, partialChannels, maxParameterFree);
    }

    /** Whether cell {@code layer} (0-based) is a reduction cell, as in DARTS: at layers/3 and 2·layers/3. */
    public boolean isReduction(int layer) {
        return layer == layers / 3 || layer == 2 * layers / 3;
    }

    /** The channels each mixed operation of a cell with {@code cellChannels} channels works on: C/K. */
    public int mixedChannels(int cellChannels) {
        return cellChannels / partialChannels;
    }

    /**
     * Refuses partial channels for an algorithm that needs the operations at full width (a sparse
     * or sampled path, or a derived network that inherits the supernet's weights).
     */
    public void requireFullChannels(String algorithm) {
        if (partialChannels != 1) {
            throw new IllegalArgumentException(algorithm + " needs partialChannels 1 (got " + partialChannels
                    + "): its derived or sampled networks use the supernet's operations at full width");
        }
    }

    /** The operation names in α column order. */
    public List<String> operationNames() {
        return names(operations);
    }

    private static List<String> names(List<Primitive> ops) {
        return ops.stream().map(Primitive::dartsName).toList();
    }
}
