package io.fedarch.core.darts;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import io.fedarch.core.model.ModelFactory;
import io.fedarch.events.InputShape;
import io.fedarch.events.ModelSpec;

/**
 * Knobs of a derived (discrete) DARTS network, parsed from {@code ModelSpec.options} of family
 * {@value ModelFactory#DARTS_DERIVED}: the supernet's dimensions, so that a network derived from a
 * search has the same shapes and can inherit its weights, plus the architecture itself.
 *
 * @param channels   initial cell channels C; even, because FactorizedReduce halves it
 * @param layers     number of cells; reduction cells sit where {@link DartsOptions#isReduction} puts them
 * @param stemStride 1 or 2, as in {@link DartsOptions}
 * @param genotype   the architecture (validated); option {@code genotype} holds its {@link Genotype#toJson()} form
 */
public record DerivedOptions(int channels, int layers, int stemStride, Genotype genotype, InputShape input) {
    public static final String GENOTYPE = "genotype";
    public static final Set<String> KEYS = Set.of("channels", "layers", "stemStride", GENOTYPE);
    private static final String OPTION = DerivedFamily.NAME + " option ";

    /** These dimensions for Fashion-MNIST's 1×28×28 images. */
    public DerivedOptions(int channels, int layers, int stemStride, Genotype genotype) {
        this(channels, layers, stemStride, genotype, ModelFactory.defaultInput());
    }

    /** These options for images of {@code shape} (parsed options are for 1×28×28; a copy: Avro records are mutable). */
    public DerivedOptions withInput(InputShape shape) {
        return new DerivedOptions(channels, layers, stemStride, genotype, InputShape.newBuilder(shape).build());
    }

    public DerivedOptions {
        if (channels < 2 || channels % 2 != 0 || channels > DartsOptions.MAX_CHANNELS) {
            throw new IllegalArgumentException(OPTION + "channels must be even and in 2.." + DartsOptions.MAX_CHANNELS
                    + ", got " + channels);
        }
        if (layers < 1 || layers > DartsOptions.MAX_LAYERS) {
            throw new IllegalArgumentException(OPTION + "layers must be in 1.." + DartsOptions.MAX_LAYERS + ", got "
                    + layers);
        }
        if (stemStride != 1 && stemStride != 2) {
            throw new IllegalArgumentException(OPTION + "stemStride must be 1 or 2, got " + stemStride);
        }
        if (genotype == null) {
            throw new IllegalArgumentException(OPTION + GENOTYPE + " is required");
        }
        try {
            genotype.validate();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(OPTION + GENOTYPE + " is invalid: " + e.getMessage(), e);
        }
        if (genotype.reduceConcat().stream().anyMatch(state -> state < 2)) {
            // The cell inputs are at twice a reduction cell's output resolution: they cannot be concatenated.
            throw new IllegalArgumentException(OPTION + GENOTYPE + " is invalid: reduce_concat "
                    + genotype.reduceConcat() + " includes a cell input (state 0 or 1)");
        }
    }

    /**
     * {@link DartsOptions#DEFAULTS}' dimensions overridden by the given options; {@code genotype}
     * (DARTS JSON form) is required.
     *
     * @throws IllegalArgumentException naming the option at fault
     */
    public static DerivedOptions parse(Map<String, String> options) {
        int channels = DartsOptions.DEFAULTS.channels();
        int layers = DartsOptions.DEFAULTS.layers();
        int stemStride = DartsOptions.DEFAULTS.stemStride();
        Genotype genotype = null;
        if (options != null) {
            for (Map.Entry<String, String> e : options.entrySet()) {
                String value = e.getValue() == null ? "" : e.getValue().trim();
                try {
                    switch (e.getKey()) {
                        case "channels" -> channels = Integer.parseInt(value);
                        case "layers" -> layers = Integer.parseInt(value);
                        case "stemStride" -> stemStride = Integer.parseInt(value);
                        case GENOTYPE -> genotype = parseGenotype(value);
                        default -> throw new IllegalArgumentException("unknown " + DerivedFamily.NAME
                                + " option '" + e.getKey() + "'; valid options: " + new TreeSet<>(KEYS));
                    }
                } catch (NumberFormatException nfe) {
                    throw new IllegalArgumentException(OPTION + e.getKey() + "='" + e.getValue() + "' is not a number",
                            nfe);
                }
            }
        }
        if (genotype == null) {
            throw new IllegalArgumentException(OPTION + GENOTYPE + " is required: the architecture in DARTS JSON form, "
                    + "e.g. {\"normal\":[[\"sep_conv_3x3\",0],...],\"normal_concat\":[2,3,4,5],\"reduce\":[...],"
                    + "\"reduce_concat\":[2,3,4,5]}");
        }
        return new DerivedOptions(channels, layers, stemStride, genotype);
    }

    private static Genotype parseGenotype(String json) {
        if (json.isEmpty()) {
            throw new IllegalArgumentException(OPTION + GENOTYPE + " is empty");
        }
        try {
            return Genotype.fromJson(json);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(OPTION + GENOTYPE + ": " + e.getMessage(), e);
        }
    }

    /** The network that {@code genotype} describes at the supernet's dimensions (its ops list does not matter). */
    public static DerivedOptions of(DartsOptions supernet, Genotype genotype) {
        return new DerivedOptions(supernet.channels(), supernet.layers(), supernet.stemStride(), genotype,
                supernet.input());
    }

    /** A {@value ModelFactory#DARTS_DERIVED} spec for {@code genotype} at the supernet's dimensions. */
    public static ModelSpec modelSpec(DartsOptions supernet, Genotype genotype) {
        return of(supernet, genotype).toModelSpec();
    }

    public ModelSpec toModelSpec() {
        return ModelSpec.newBuilder().setFamily(DerivedFamily.NAME).setOptions(toOptions())
                .setInputShape(InputShape.newBuilder(input).build()).build();
    }

    /** The spec options that {@link #parse} turns back into these options. */
    public Map<String, String> toOptions() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("channels", Integer.toString(channels));
        out.put("layers", Integer.toString(layers));
        out.put("stemStride", Integer.toString(stemStride));
        out.put(GENOTYPE, genotype.toJson());
        return out;
    }

    /** Whether cell {@code layer} is a reduction cell: the same placement as the supernet's. */
    public boolean isReduction(int layer) {
        return layer == layers / 3 || layer == 2 * layers / 3;
    }
}
