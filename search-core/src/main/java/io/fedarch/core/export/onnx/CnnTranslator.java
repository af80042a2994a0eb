package io.fedarch.core.export.onnx;

import java.util.Map;

import io.fedarch.core.model.CnnFamily;
import io.fedarch.core.model.CnnOptions;

/**
 * {@link CnnFamily}: conv5×5 (pad 2) → ReLU → max-pool 2×2 twice, flatten, linear → ReLU, linear.
 * Parameter names are {@link io.fedarch.core.model.BlockParameters}' (conv1, conv2, fc1, fc2); dropout
 * is the identity at inference.
 */
final class CnnTranslator implements OnnxTranslator {

    @Override
    public String family() {
        return CnnFamily.NAME;
    }

    @Override
    public String translate(Map<String, String> options, OnnxLayers layers, String input) {
        CnnOptions.parse(options);
        String x = input;
        for (String conv : new String[] {"conv1", "conv2"}) {
            x = layers.conv(x, conv + ".weight", conv + ".bias", 1, 2, 1, 1);
            x = layers.maxPool(layers.relu(x), 2, 2, 0);
        }
        x = layers.relu(layers.linear(layers.flatten(x), "fc1.weight", "fc1.bias"));
        return layers.linear(x, "fc2.weight", "fc2.bias");
    }
}
