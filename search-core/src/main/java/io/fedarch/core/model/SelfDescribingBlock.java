package io.fedarch.core.model;

import java.util.List;
import java.util.Map;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;

/**
 * A block that names its own parameters and describes its own cost, for networks whose structure
 * is not a plain sequence of DJL layers (the DARTS search network). {@link BlockParameters} and
 * {@link ModelSummary} use these instead of deriving names and costs from DJL's block paths.
 */
public interface SelfDescribingBlock extends Block {

    /** Every parameter (including running statistics), keyed by its stable name, in a fixed order. */
    Map<String, Parameter> namedParameters();

    /** The network's top-level layers for one input image, in execution order. */
    List<ModelSummary.Layer> describeLayers();
}
