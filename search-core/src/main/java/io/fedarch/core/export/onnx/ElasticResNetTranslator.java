package io.fedarch.core.export.onnx;

import java.util.Map;

import io.fedarch.core.ofa.ElasticOptions;
import io.fedarch.core.ofa.ElasticResNetFamily;
import io.fedarch.core.ofa.ElasticSubnetFamily;
import io.fedarch.core.ofa.SubnetConfig;
import io.fedarch.core.ofa.SubnetLayout;
import io.fedarch.events.ModelSpec;

/**
 * {@link io.fedarch.core.ofa.ElasticResNet} as one fixed network: a standalone subnet (family
 * {@value ElasticSubnetFamily#NAME}, tensors shaped to it, what SuperFedNAS delivers per budget) or
 * the supernet (family {@value ElasticResNetFamily#NAME}), which runs its largest subnet on its full
 * tensors. Stem conv [BN] ReLU; per block conv k×k (stride) [BN] ReLU, conv k×k [BN] ReLU, plus the
 * shortcut (identity, or ceil-mode average pooling at the stride then 1×1 conv [BN]), then ReLU;
 * global average pooling and the classifier. A layer has BN exactly when its statistics are present.
 */
final class ElasticResNetTranslator implements OnnxTranslator {
    private final String family;

    private ElasticResNetTranslator(String family) {
        this.family = family;
    }

    static ElasticResNetTranslator subnet() {
        return new ElasticResNetTranslator(ElasticSubnetFamily.NAME);
    }

    static ElasticResNetTranslator supernet() {
        return new ElasticResNetTranslator(ElasticResNetFamily.NAME);
    }

    @Override
    public String family() {
        return family;
    }

    @Override
    public String translate(Map<String, String> options, OnnxLayers layers, String input) {
        ElasticOptions space = ElasticOptions.parse(options);
        SubnetConfig config = family.equals(ElasticSubnetFamily.NAME)
                ? ElasticSubnetFamily.subnet(ModelSpec.newBuilder().setFamily(family).setOptions(options).build())
                : SubnetConfig.largest(space);
        SubnetLayout layout = SubnetLayout.of(space, config);
        String x = layers.conv(input, "stem.conv.weight", null, space.stemStride(), SubnetLayout.STEM_KERNEL / 2, 1, 1);
        x = layers.relu(norm(layers, x, "stem.bn"));
        for (SubnetLayout.Block b : layout.blocks()) {
            String p = b.prefix();
            String h = layers.conv(x, p + ".conv1.weight", null, b.stride(), b.kernel() / 2, 1, 1);
            h = layers.relu(norm(layers, h, p + ".bn1"));
            h = layers.conv(h, p + ".conv2.weight", null, 1, b.kernel() / 2, 1, 1);
            h = layers.relu(norm(layers, h, p + ".bn2"));
            String shortcut = x;
            if (b.downsample()) {
                // ElasticResNet asks DJL for ceil mode without counting padding; there is no padding here,
                // and a ceil-mode window hanging over the border is divided by its cells inside the input.
                String pooled = b.stride() == 1 ? x : layers.avgPool(x, b.stride(), b.stride(), 0, true, false);
                shortcut = norm(layers, layers.conv(pooled, p + ".shortcut.conv.weight", null, 1, 0, 1, 1),
                        p + ".shortcut.bn");
            }
            x = layers.relu(layers.add(h, shortcut));
        }
        return layers.linear(layers.globalAveragePoolFlat(x), "classifier.weight", "classifier.bias");
    }

    /** BN when the network has one here (option bn), else the identity, as ElasticResNet. */
    private static String norm(OnnxLayers layers, String x, String prefix) {
        return layers.has(prefix + ".running_mean") ? layers.batchNorm(x, prefix) : x;
    }
}
