package io.fedarch.core.darts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.fedarch.core.data.FashionMnist;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.model.BlockParameters;
import io.fedarch.core.model.Engines;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.model.ModelInitializer;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.events.ModelSpec;

class WeightInheritanceTest {
    /** Every operation, in an order unlike both DARTS's and the fusion order, so column and stacking orders differ. */
    private static final String ALL_OPS =
            "dil_conv_3x3,none,skip_connect,sep_conv_5x5,max_pool_3x3,sep_conv_3x3,avg_pool_3x3,dil_conv_5x5";
    private static final float SELECTED = 40f;

    /**
     * Every operation kind in the normal cell; pools, both kinds of skip_connect (FactorizedReduce
     * from states 0 and 1 at different edge positions, identity from a node) and convolutions in the
     * reduction cell; inputs from the cell inputs and from intermediate nodes; each node's genes
     * listed lower input first, as GenotypeDerivation orders ties.
     */
    static final Genotype HAND = new Genotype(
            genes("sep_conv_3x3", 0, "dil_conv_5x5", 1, "skip_connect", 0, "max_pool_3x3", 2,
                    "sep_conv_5x5", 1, "avg_pool_3x3", 3, "dil_conv_3x3", 2, "skip_connect", 4),
            List.of(2, 3, 4, 5),
            genes("max_pool_3x3", 0, "skip_connect", 1, "dil_conv_3x3", 1, "skip_connect", 2,
                    "avg_pool_3x3", 0, "sep_conv_3x3", 3, "skip_connect", 0, "sep_conv_5x5", 4),
            List.of(2, 3, 4, 5));

    static List<Genotype.Gene> genes(Object... opAndInput) {
        List<Genotype.Gene> genes = new ArrayList<>();
        for (int i = 0; i < opAndInput.length; i += 2) {
            genes.add(new Genotype.Gene((String) opAndInput[i], (Integer) opAndInput[i + 1]));
        }
        return genes;
    }

    /** The collapse guard off (maxParameterFree 8): the hand genotypes keep up to 4 pools and skips per cell. */
    private static ModelSpec supernetSpec(String ops) {
        return ModelSpec.newBuilder().setFamily(DartsFamily.NAME)
                .setOptions(Map.of("channels", "4", "layers", "3", "stemStride", "2", "ops", ops, "maxParameterFree", "8"))
                .build();
    }

    /** α selecting the genotype: its op at +40 on kept edges, 'none' at +40 on every other edge. */
    private static NamedTensor alpha(String name, List<Genotype.Gene> genes, List<String> ops) {
        float[] values = new float[CellTopology.EDGES * ops.size()];
        boolean[] kept = new boolean[CellTopology.EDGES];
        for (int g = 0; g < genes.size(); g++) {
            int edge = CellTopology.edge(genes.get(g).input(), g / 2);
            kept[edge] = true;
            values[edge * ops.size() + ops.indexOf(genes.get(g).operation())] = SELECTED;
        }
        for (int edge = 0; edge < kept.length; edge++) {
            if (!kept[edge]) {
                values[edge * ops.size() + ops.indexOf("none")] = SELECTED;
            }
        }
        return new NamedTensor(name, new int[] {CellTopology.EDGES, ops.size()}, values);
    }

    /**
     * Fresh supernet weights with every BN's running statistics (and the stem BN's affine
     * parameters) randomised, so that a slice taken from the wrong rows changes the output.
     */
    private static ModelParameters randomisedSupernet(ModelSpec spec, DartsOptions options, Genotype genotype) {
        SplittableRandom random = new SplittableRandom(11);
        List<NamedTensor> tensors = new ArrayList<>();
        for (NamedTensor t : ModelInitializer.initialize(spec, 5).tensors()) {
            float[] v = t.values().clone();
            String name = t.name();
            if (name.equals(SearchNetwork.ALPHA_NORMAL)) {
                tensors.add(alpha(name, genotype.normal(), options.operationNames()));
                continue;
            }
            if (name.equals(SearchNetwork.ALPHA_REDUCE)) {
                tensors.add(alpha(name, genotype.reduce(), options.operationNames()));
                continue;
            }
            for (int i = 0; i < v.length; i++) {
                if (name.endsWith(".running_mean") || name.equals("stem.bn.bias")) {
                    v[i] = (float) random.nextDouble(-0.5, 0.5);
                } else if (name.endsWith(".running_var") || name.equals("stem.bn.weight")) {
                    v[i] = (float) random.nextDouble(0.5, 2.0);
                }
            }
            tensors.add(new NamedTensor(name, t.shape(), v));
        }
        return new ModelParameters(tensors);
    }

    private static float[] logits(ModelSpec spec, ModelParameters parameters, float[] images, int batch) {
        try (NDManager manager = Engines.newManager()) {
            Block block = ModelFactory.buildAllocated(spec, manager);
            BlockParameters.load(block, parameters);
            NDArray x = manager.create(images, new Shape(batch, 1, 28, 28));
            return block.forward(new ParameterStore(manager, false), new NDList(x), false)
                    .singletonOrThrow().toFloatArray();
        }
    }

    @Test
    void derivedNetworkWithInheritedWeightsEqualsTheSupernetThatSelectsItsGenotype() {
        ModelSpec spec = supernetSpec(ALL_OPS);
        DartsOptions options = DartsFamily.options(spec);
        ModelParameters supernet = randomisedSupernet(spec, options, HAND);
        assertEquals(HAND, GenotypeDerivation.derive(supernet, options));

        ModelSpec derivedSpec = DerivedOptions.modelSpec(options, HAND);
        ModelParameters inherited = WeightInheritance.fromSupernet(supernet, options, HAND);
        ModelParameters layout = ModelInitializer.initialize(derivedSpec, 1);
        assertEquals(layout.names(), inherited.names());
        for (NamedTensor t : layout.tensors()) {
            assertArrayEquals(t.shape(), inherited.get(t.name()).shape(), t.name());
        }

        int batch = 6;
        ImageDataset data = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TEST, batch);
        float[] expected = logits(spec, supernet, data.pixels(), batch);
        float[] actual = logits(derivedSpec, inherited, data.pixels(), batch);
        assertEquals(expected.length, actual.length);
        double scale = 0;
        double diff = 0;
        for (int i = 0; i < expected.length; i++) {
            scale = Math.max(scale, Math.abs(expected[i]));
            diff = Math.max(diff, Math.abs(expected[i] - actual[i]));
        }
        assertTrue(scale > 1e-3, "logits should not vanish: " + scale);
        assertTrue(diff <= 1e-4 * Math.max(1, scale), "max |supernet − derived| = " + diff + " at scale " + scale);
        // The test can fail: the derived network with fresh weights computes something else.
        float[] fresh = logits(derivedSpec, layout, data.pixels(), batch);
        double freshDiff = 0;
        for (int i = 0; i < expected.length; i++) {
            freshDiff = Math.max(freshDiff, Math.abs(expected[i] - fresh[i]));
        }
        assertTrue(freshDiff > 1e-2, "fresh weights should differ: " + freshDiff);
    }

    @Test
    void slicesComeFromTheRightStackedRows() {
        ModelSpec spec = supernetSpec(ALL_OPS);
        DartsOptions options = DartsFamily.options(spec);
        ModelParameters supernet = randomisedSupernet(spec, options, HAND);
        ModelParameters inherited = WeightInheritance.fromSupernet(supernet, options, HAND);
        // Normal cell 0 (C=4), node 3's first gene: dil_conv_3x3 from state 2, the third of its 3 edges
        // (e=2, E=3); stacked convolutions are sep_conv_3x3, sep_conv_5x5, dil_conv_3x3, dil_conv_5x5 (i=2).
        assertRows(supernet.get("cells.0.state2.dil_conv_3x3.dw1.weight"), 2 * 4, 4,
                inherited.get("cells.0.node3.in0.dil_conv_3x3.dw1.weight"));
        assertRows(supernet.get("cells.0.state2.convs.pw1.weight"), (2 * 3 + 2) * 4, 4,
                inherited.get("cells.0.node3.in0.dil_conv_3x3.pw1.weight"));
        assertRows(supernet.get("cells.0.state2.convs.bn1.running_var"), (2 * 3 + 2) * 4, 4,
                inherited.get("cells.0.node3.in0.dil_conv_3x3.bn1.running_var"));
        // Reduction cell 1 (C=8), node 3's skip_connect from state 0: its fourth edge (e=3).
        assertRows(supernet.get("cells.1.state0.skip_connect.conv_2.weight"), 3 * 4, 4,
                inherited.get("cells.1.node3.in0.skip_connect.conv_2.weight"));
        assertRows(supernet.get("cells.1.state0.skip_connect.bn.running_mean"), 3 * 8, 8,
                inherited.get("cells.1.node3.in0.skip_connect.bn.running_mean"));
        // avg_pool is the second stacked pool: rows C..2C of the state's shared pools.bn.
        assertRows(supernet.get("cells.2.state0.pools.bn.running_mean"), 16, 16,
                inherited.get("cells.2.node2.in0.avg_pool_3x3.bn.running_mean"));
        assertArrayEquals(supernet.get("cells.2.preprocess0.conv_1.weight").values(),
                inherited.get("cells.2.preprocess0.conv_1.weight").values());
        assertArrayEquals(supernet.get("classifier.weight").values(), inherited.get("classifier.weight").values());
    }

    private static void assertRows(NamedTensor stacked, int from, int rows, NamedTensor slice) {
        int rowSize = stacked.size() / stacked.shape()[0];
        assertEquals(rows, slice.shape()[0], slice.name());
        float[] expected = java.util.Arrays.copyOfRange(stacked.values(), from * rowSize, (from + rows) * rowSize);
        assertArrayEquals(expected, slice.values(), slice.name());
    }

    @Test
    void anOperationTheSupernetLacksIsAClearError() {
        ModelSpec spec = supernetSpec("none,max_pool_3x3,avg_pool_3x3,skip_connect,sep_conv_3x3,dil_conv_3x3");
        DartsOptions options = DartsFamily.options(spec);
        ModelParameters supernet = ModelInitializer.initialize(spec, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> WeightInheritance.fromSupernet(supernet, options, HAND));
        assertTrue(e.getMessage().contains("dil_conv_5x5") && e.getMessage().contains("do not include"),
                e.getMessage());

        Genotype otherConcat = new Genotype(HAND.normal(), List.of(2, 3, 4), HAND.reduce(), HAND.reduceConcat());
        ModelParameters full = ModelInitializer.initialize(supernetSpec(ALL_OPS), 2);
        DartsOptions fullOptions = DartsOptions.parse(supernetSpec(ALL_OPS).getOptions());
        IllegalArgumentException concat = assertThrows(IllegalArgumentException.class,
                () -> WeightInheritance.fromSupernet(full, fullOptions, otherConcat));
        assertTrue(concat.getMessage().contains("normal_concat"), concat.getMessage());

        DartsOptions wider = new DartsOptions(6, 3, fullOptions.operations(), 2);
        IllegalArgumentException shapes = assertThrows(IllegalArgumentException.class,
                () -> WeightInheritance.fromSupernet(full, wider, HAND));
        assertTrue(shapes.getMessage().contains("shapes disagree"), shapes.getMessage());
    }
}
