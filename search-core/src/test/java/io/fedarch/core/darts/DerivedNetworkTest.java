package io.fedarch.core.darts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.fedarch.core.data.FashionMnist;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.model.BlockParameters;
import io.fedarch.core.model.Engines;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.model.ModelInitializer;
import io.fedarch.core.model.ModelSummary;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.train.Evaluator;
import io.fedarch.core.train.LocalTrainer;
import io.fedarch.core.train.Metrics;
import io.fedarch.core.train.TrainingSettings;
import io.fedarch.events.ModelSpec;

class DerivedNetworkTest {
    /** Normal: sep_conv_3x3 from state 0 and identity skip from state 1 on every node; reduce: max_pool and FactorizedReduce skip. */
    private static final Genotype SIMPLE = new Genotype(
            WeightInheritanceTest.genes("sep_conv_3x3", 0, "skip_connect", 1, "sep_conv_3x3", 0, "skip_connect", 1,
                    "sep_conv_3x3", 0, "skip_connect", 1, "sep_conv_3x3", 0, "skip_connect", 1),
            List.of(2, 3, 4, 5),
            WeightInheritanceTest.genes("max_pool_3x3", 0, "skip_connect", 1, "max_pool_3x3", 0, "skip_connect", 1,
                    "max_pool_3x3", 0, "skip_connect", 1, "max_pool_3x3", 0, "skip_connect", 1),
            List.of(2, 3, 4, 5));

    private static ModelSpec derived(Map<String, String> options) {
        return ModelSpec.newBuilder().setFamily(DerivedFamily.NAME).setOptions(options).build();
    }

    private static ModelSpec tiny(Genotype genotype) {
        return DerivedOptions.modelSpec(new DartsOptions(2, 3, List.of(Primitive.SEP_CONV_3X3), 2), genotype);
    }

    @Test
    void parameterCountAndMacsMatchAHandCount() {
        // C=2, 3 cells: normal (C=2), reduce (C=4), reduce (C=8, after a reduction: FactorizedReduce preprocess0).
        long stem = 6 * 9 + 4 * 6;                                      // conv 6×1×3×3; BN weight, bias, mean, var
        long sep2 = 2 * (2 * 9 + 2 * 2) + 2 * 2 * 2;                    // two (dw, pw) stages, two affine-free BNs
        long cell0 = (6 * 2 + 4) * 2 + 4 * sep2;                        // two ReLUConvBN 6→2; identity skips are free
        long cell1 = (6 * 4 + 8) + (8 * 4 + 8) + 4 * 8 + 4 * (8 + 8 + 8); // pool BNs; FactorizedReduce 4→4 skips
        long cell2 = (32 + 32 + 16) + (16 * 8 + 16) + 4 * 16 + 4 * (32 + 32 + 16);
        long classifier = 32 * 10 + 10;
        assertEquals(1456, stem + cell0 + cell1 + cell2 + classifier);

        ModelSummary summary = ModelSummary.of(tiny(SIMPLE));
        assertEquals(1456, summary.parameters());
        assertEquals(List.of("stem", "cell0", "cell1", "cell2", "classifier"),
                summary.layers().stream().map(ModelSummary.Layer::name).toList());
        assertEquals(List.of(stem, cell0, cell1, cell2, classifier),
                summary.layers().stream().map(ModelSummary.Layer::parameters).toList());
        assertArrayEquals(new long[] {8, 14, 14}, summary.layers().get(1).outputShape());
        assertArrayEquals(new long[] {16, 7, 7}, summary.layers().get(2).outputShape());
        assertArrayEquals(new long[] {32, 4, 4}, summary.layers().get(3).outputShape());
        // Cell 0 at 14×14: two 1×1 preprocess convolutions (12 weights each) and four sep_conv_3x3 (44 weights each).
        assertEquals((2 * 12 + 4 * 44) * 196, summary.layers().get(1).macs());
        assertEquals(54 * 196, summary.layers().get(0).macs());
        assertEquals(320, summary.layers().get(4).macs());
        assertEquals(summary.parameters(), ModelInitializer.initialize(tiny(SIMPLE), 1).elementCount());
    }

    @Test
    void namesAreUniqueStableAndPyTorchLike() {
        ModelParameters a = ModelInitializer.initialize(tiny(WeightInheritanceTest.HAND), 1);
        ModelParameters b = ModelInitializer.initialize(tiny(WeightInheritanceTest.HAND), 2);
        assertEquals(a.names(), b.names());
        assertEquals(a.names().size(), a.names().stream().distinct().count());
        assertEquals(List.of("stem.conv.weight", "stem.bn.weight", "stem.bn.bias", "stem.bn.running_mean",
                "stem.bn.running_var", "cells.0.preprocess0.conv.weight"), a.names().subList(0, 6));
        assertEquals(List.of("classifier.weight", "classifier.bias"), a.names().subList(a.names().size() - 2,
                a.names().size()));
        for (String name : List.of("cells.0.node0.in0.sep_conv_3x3.dw2.weight", "cells.0.node0.in1.dil_conv_5x5.bn1.running_var",
                "cells.0.node1.in1.max_pool_3x3.bn.running_mean", "cells.1.node0.in1.skip_connect.conv_1.weight",
                "cells.2.preprocess0.conv_2.weight", "cells.2.node3.in1.sep_conv_5x5.pw2.weight")) {
            assertTrue(a.contains(name), name);
        }
        // Identity skips (normal cells, and reduction cells reading a node) have no parameters.
        assertTrue(a.names().stream().noneMatch(n -> n.startsWith("cells.0.node1.in0.")));
        assertTrue(a.names().stream().noneMatch(n -> n.startsWith("cells.1.node1.in1.")));
        assertArrayEquals(new int[] {2, 1, 5, 5}, a.get("cells.0.node2.in0.sep_conv_5x5.dw1.weight").shape());
        assertArrayEquals(new int[] {4, 1, 3, 3}, a.get("cells.1.node1.in0.dil_conv_3x3.dw1.weight").shape());
    }

    @Test
    void theFamilyRoundTripsTrainsAndEvaluates() {
        ModelSpec spec = tiny(WeightInheritanceTest.HAND);
        ModelFactory.validate(spec);
        assertTrue(ModelFactory.families().contains(DerivedFamily.NAME));
        assertEquals(WeightInheritanceTest.HAND, DerivedFamily.options(spec).genotype());
        ModelParameters init = ModelInitializer.initialize(spec, 7);
        ImageDataset data = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TRAIN, 64);
        try (NDManager manager = Engines.newManager()) {
            Block block = ModelFactory.buildAllocated(spec, manager);
            assertTrue(block instanceof DerivedNetwork);
            BlockParameters.load(block, init);
            ModelParameters read = BlockParameters.read(block);
            assertEquals(init.names(), read.names());
            for (String name : init.names()) {
                assertArrayEquals(init.get(name).values(), read.get(name).values(), name);
            }
            Metrics trained = LocalTrainer.train(block, data, new TrainingSettings(1, 16, 0.05, 0.9, 3e-4, 1));
            assertEquals(4, trained.steps());
            assertTrue(Double.isFinite(trained.loss()) && trained.loss() > 0, "loss " + trained.loss());
            ModelParameters after = BlockParameters.read(block);
            assertNull(after.firstNonFinite());
            assertNotEquals(init.get("cells.0.node0.in0.sep_conv_3x3.pw1.weight").values()[0],
                    after.get("cells.0.node0.in0.sep_conv_3x3.pw1.weight").values()[0]);
            // Training mode updates the operations' running statistics, which travel with the weights.
            assertNotEquals(1f, after.get("cells.0.node1.in1.max_pool_3x3.bn.running_var").values()[0]);
            Metrics evaluated = Evaluator.evaluate(spec, after, data, 32);
            assertTrue(Double.isFinite(evaluated.loss()), "loss " + evaluated.loss());
            assertEquals(64, evaluated.samples());
        }
    }

    @Test
    void badOptionsAreRejectedNamingTheOption() {
        Map<String, String> good = new HashMap<>(tiny(SIMPLE).getOptions());
        ModelFactory.validate(derived(good));

        Map<String, String> missing = new HashMap<>(good);
        missing.remove(DerivedOptions.GENOTYPE);
        assertMessage(missing, "genotype is required");

        Map<String, String> malformed = new HashMap<>(good);
        malformed.put(DerivedOptions.GENOTYPE, "{\"normal\": [[\"sep_conv_3x3\", 0]");
        assertMessage(malformed, "option genotype: malformed genotype JSON");

        Map<String, String> none = new HashMap<>(good);
        none.put(DerivedOptions.GENOTYPE, SIMPLE.toJson().replaceFirst("max_pool_3x3", "none"));
        assertMessage(none, "'none' is not a valid choice");

        Map<String, String> unknownOp = new HashMap<>(good);
        unknownOp.put(DerivedOptions.GENOTYPE, SIMPLE.toJson().replaceFirst("max_pool_3x3", "conv_7x1_1x7"));
        assertMessage(unknownOp, "unknown DARTS operation 'conv_7x1_1x7'");

        Map<String, String> inputs = new HashMap<>(good);
        inputs.put(DerivedOptions.GENOTYPE, SIMPLE.toJson().replace("\"reduce_concat\":[2,3,4,5]",
                "\"reduce_concat\":[1,2,3,4,5]"));
        assertMessage(inputs, "reduce_concat");

        Map<String, String> ops = new HashMap<>(good);
        ops.put("ops", "sep_conv_3x3");
        assertMessage(ops, "valid options: [channels, genotype, layers, stemStride]");

        Map<String, String> channels = new HashMap<>(good);
        channels.put("channels", "3");
        assertMessage(channels, "option channels must be even");
        assertEquals(SIMPLE, DerivedOptions.parse(good).genotype());
    }

    private static void assertMessage(Map<String, String> options, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ModelFactory.validate(derived(options)));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().contains(DerivedFamily.NAME), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ModelFactory.build(derived(options)));
    }
}
