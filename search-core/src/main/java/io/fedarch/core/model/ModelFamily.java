package io.fedarch.core.model;

import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;

import ai.djl.nn.Block;
import io.fedarch.events.InputShape;
import io.fedarch.events.ModelSpec;

/**
 * A family of networks a job's {@code ModelSpec.family} can name (a fixed CNN, a search space's
 * supernet, a searched architecture). Each registers itself in
 * {@code META-INF/services/io.fedarch.core.model.ModelFamily}, so {@link ModelFactory} knows no space
 * by name and a new search space adds a family without touching it.
 */
public interface ModelFamily {

    /** The value of ModelSpec.family, lower case. */
    String name();

    /**
     * Checks the options without building anything.
     *
     * @throws IllegalArgumentException naming the invalid option
     */
    void validate(Map<String, String> options);

    /**
     * Activation elements one training image keeps for the backward pass, estimated from the layer
     * shapes (an upper-end estimate used to refuse jobs no worker can hold, not a measurement);
     * empty when the family has no estimate, and only its parameters are then counted.
     */
    default OptionalLong activationsPerImage(Map<String, String> options, InputShape input) {
        return OptionalLong.empty();
    }

    /** An uninitialised network for {@code input}-shaped images and 10 classes. */
    Block build(Map<String, String> options, InputShape input);

    /**
     * The spec's options, once its family is checked to be {@code family}.
     *
     * @throws IllegalArgumentException when the spec names another family
     */
    static Map<String, String> optionsOf(ModelSpec spec, String family) {
        if (!family.equals(spec.getFamily() == null ? "" : spec.getFamily().toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("model family '" + spec.getFamily() + "' is not " + family);
        }
        return spec.getOptions();
    }
}
