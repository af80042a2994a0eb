package io.fedarch.core.export.onnx;

import java.util.Map;
import java.util.Random;

import io.fedarch.core.ofa.ElasticOptions;
import io.fedarch.core.ofa.ElasticResNetFamily;
import io.fedarch.core.ofa.ElasticSubnetFamily;
import io.fedarch.core.ofa.SubnetConfig;
import io.fedarch.events.InputShape;
import io.fedarch.events.ModelSpec;

/**
 * A small elastic-ResNet space with every elastic dimension (expand ratios, extra blocks, kernels, width
 * multipliers) and BN: the subnet parity tests draw their subnets from it.
 */
final class SmallElasticSpace {
    private static final Map<String, String> OPTIONS = Map.of("stemChannels", "4", "widths", "4,6,8,8",
            "expands", "0.5,1.0", "maxExtraBlocks", "1", "kernels", "3,5", "widthMultipliers", "0.75,1.0", "bn", "true");

    private SmallElasticSpace() {
    }

    /** A random subnet of the space, for 1×28×28 inputs. */
    static ModelSpec randomSubnet(long seed) {
        return subnet(supernet().build(), seed);
    }

    /** A random subnet of the space, for inputs of {@code shape}. */
    static ModelSpec randomSubnet(InputShape shape, long seed) {
        return subnet(supernet().setInputShape(shape).build(), seed);
    }

    private static ModelSpec.Builder supernet() {
        return ModelSpec.newBuilder().setFamily(ElasticResNetFamily.NAME).setOptions(OPTIONS);
    }

    private static ModelSpec subnet(ModelSpec supernet, long seed) {
        return ElasticSubnetFamily.spec(supernet, SubnetConfig.random(ElasticOptions.parse(OPTIONS), new Random(seed)));
    }
}
