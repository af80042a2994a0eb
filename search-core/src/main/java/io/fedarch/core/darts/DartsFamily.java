package io.fedarch.core.darts;

import java.util.List;
import java.util.Map;

import ai.djl.nn.Block;
import io.fedarch.core.model.ModelFamily;
import io.fedarch.events.InputShape;
import io.fedarch.events.ModelSpec;

/** Model family "darts": the DARTS search space's supernet, with architecture weights α ({@link SearchNetwork}). */
public final class DartsFamily implements ModelFamily {
    public static final String NAME = "darts";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void validate(Map<String, String> options) {
        DartsOptions.parse(options);
    }

    @Override
    public java.util.OptionalLong activationsPerImage(Map<String, String> options, InputShape input) {
        return java.util.OptionalLong.of(SupernetActivations.perImage(DartsOptions.parse(options).withInput(input)));
    }

    @Override
    public Block build(Map<String, String> options, InputShape input) {
        return new SearchNetwork(DartsOptions.parse(options).withInput(input));
    }

    /**
     * The options of a "darts" spec.
     *
     * @throws IllegalArgumentException when the family is not darts or an option is invalid
     */
    public static DartsOptions options(ModelSpec spec) {
        return DartsOptions.parse(ModelFamily.optionsOf(spec, NAME)).withInput(spec.getInputShape());
    }

    /**
     * What stops {@code algorithm} from searching this supernet when it needs its operations at full
     * width (partialChannels 1); empty when nothing does or the options are invalid (reported elsewhere).
     */
    public static List<String> fullChannelProblems(ModelSpec spec, String algorithm) {
        try {
            options(spec).requireFullChannels(algorithm);
            return List.of();
        } catch (IllegalArgumentException e) {
            return e.getMessage().startsWith(algorithm) ? List.of(e.getMessage()) : List.of();
        }
    }
}
