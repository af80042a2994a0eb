package io.fedarch.core.model;

import java.util.Map;

import ai.djl.nn.Block;

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

    /** An uninitialised network for 1×28×28 inputs and 10 classes. */
    Block build(Map<String, String> options);
}
