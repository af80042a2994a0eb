package io.fedarch.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fedarch.core.darts.DartsOptions;
import io.fedarch.core.darts.DerivedOptions;
import io.fedarch.core.darts.Genotype;
import io.fedarch.core.darts.Primitive;
import io.fedarch.core.darts.RandomGenotypes;
import io.fedarch.core.ofa.ElasticOptions;
import io.fedarch.core.ofa.ElasticSubnetFamily;
import io.fedarch.core.ofa.SubnetConfig;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.events.ModelSpec;

class ModelSizeTest {

    private static ModelSpec spec(String family, Map<String, String> options) {
        return ModelSpec.newBuilder().setFamily(family).setOptions(Map.copyOf(options)).build();
    }

    /** The shape-only count is the element count of the real, allocated initial model, for every family. */
    @Test
    void countsWhatTheAllocatedModelHoldsForEveryFamily() {
        DartsOptions darts = new DartsOptions(4, 3, List.of(Primitive.NONE, Primitive.SEP_CONV_3X3,
                Primitive.MAX_POOL_3X3, Primitive.SKIP_CONNECT), 2);
        Genotype genotype = RandomGenotypes.sample(darts, 3);
        ModelSpec supernet = spec("ofa-resnet", Map.of());
        List<ModelSpec> specs = List.of(
                spec("cnn", Map.of()),
                spec("cnn", Map.of("conv1", "3", "conv2", "5", "hidden", "7", "dropout", "0.5")),
                spec("darts", Map.of("channels", "4", "layers", "3", "ops", "none,sep_conv_3x3,max_pool_3x3,skip_connect",
                        "stemStride", "2")),
                DerivedOptions.modelSpec(darts, genotype),
                supernet,
                ElasticSubnetFamily.spec(supernet, SubnetConfig.smallest(ElasticOptions.DEFAULTS)));
        for (ModelSpec s : specs) {
            ModelParameters real = ModelInitializer.initialize(s, 1);
            long elements = real.tensors().stream().mapToLong(t -> t.values().length).sum();
            assertEquals(elements, ModelSize.parameters(s), s.getFamily() + " " + s.getOptions());
        }
    }

    /** A 50-billion-parameter request is measured, not built: this test runs in a 1–2 GB heap. */
    @Test
    void aHugeNetworkIsMeasuredWithoutAllocatingIt() {
        long parameters = ModelSize.parameters(spec("cnn", Map.of("conv2", "1024", "hidden", "1000000")));
        // conv1 16×1×5×5+16, conv2 1024×16×5×5+1024, fc 10^6×(1024·7·7)+10^6, classifier 10×10^6+10
        long expected = 16 * 25 + 16 + 1024 * 16 * 25 + 1024 + 1_000_000L * (1024 * 49) + 1_000_000L
                + 10 * 1_000_000L + 10;
        assertEquals(expected, parameters);
    }
}
