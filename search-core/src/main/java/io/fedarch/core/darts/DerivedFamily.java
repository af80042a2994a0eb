package io.fedarch.core.darts;

import java.util.Map;

import ai.djl.nn.Block;
import io.fedarch.core.model.ModelFamily;
import io.fedarch.events.InputShape;
import io.fedarch.events.ModelSpec;

/**
 * Model family "darts-derived": a discrete DARTS architecture given by a genotype ({@link DerivedNetwork},
 * {@link DerivedOptions}), trained from scratch or from weights inherited from the supernet.
 */
public final class DerivedFamily implements ModelFamily {
    public static final String NAME = "darts-derived";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void validate(Map<String, String> options) {
        DerivedOptions.parse(options);
    }

    @Override
    public Block build(Map<String, String> options, InputShape input) {
        return new DerivedNetwork(DerivedOptions.parse(options).withInput(input));
    }

    /**
     * The options of a "darts-derived" spec.
     *
     * @throws IllegalArgumentException when the family is not darts-derived or an option is invalid
     */
    public static DerivedOptions options(ModelSpec spec) {
        return DerivedOptions.parse(ModelFamily.optionsOf(spec, NAME)).withInput(spec.getInputShape());
    }
}
