package io.fedarch.core.export.onnx;

import java.util.Map;

/**
 * Writes the network of one model family as ONNX nodes: the same operations, in the same order and
 * with the same parameters, as the family's DJL network computes in inference mode.
 */
interface OnnxTranslator {

    /** The family ({@code ModelSpec.family}) this translator writes. */
    String family();

    /** Whether networks with these options can be written (default: all of the family's). */
    default boolean supports(Map<String, String> options) {
        return true;
    }

    /**
     * Adds the network to {@code layers}' graph, reading from {@code input}.
     *
     * @param options the spec's options
     * @return the value holding the logits, (N, classes)
     * @throws IllegalArgumentException when the options are invalid or a parameter is missing
     */
    String translate(Map<String, String> options, OnnxLayers layers, String input);
}
