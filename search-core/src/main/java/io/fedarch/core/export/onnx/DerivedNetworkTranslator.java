package io.fedarch.core.export.onnx;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.fedarch.core.darts.DerivedFamily;
import io.fedarch.core.darts.DerivedOptions;
import io.fedarch.core.darts.Genotype;
import io.fedarch.core.darts.Primitive;

/**
 * {@link io.fedarch.core.darts.DerivedNetwork}: the stem (3×3 convolution at the stem stride,
 * affine BN), the cells of the genotype and global average pooling into the classifier, with the
 * parameter names DerivedNetwork registers. The cell operations are written by {@link DartsOperations}.
 */
final class DerivedNetworkTranslator implements OnnxTranslator {

    @Override
    public String family() {
        return DerivedFamily.NAME;
    }

    @Override
    public String translate(Map<String, String> options, OnnxLayers layers, String input) {
        DerivedOptions o = DerivedOptions.parse(options);
        DartsOperations ops = new DartsOperations(layers);
        String stem = layers.batchNorm(layers.conv(input, "stem.conv.weight", null, o.stemStride(), 1, 1, 1), "stem.bn");
        String s0 = stem;
        String s1 = stem;
        boolean reductionPrev = false;
        for (int layer = 0; layer < o.layers(); layer++) {
            boolean reduction = o.isReduction(layer);
            String next = cell(ops, "cells." + layer, s0, s1, reduction, reductionPrev, o.genotype());
            s0 = s1;
            s1 = next;
            reductionPrev = reduction;
        }
        return layers.linear(layers.globalAveragePoolFlat(s1), "classifier.weight", "classifier.bias");
    }

    /**
     * One cell as {@link io.fedarch.core.darts.DerivedCell} computes it: preprocessed inputs, each node
     * the sum of its two genes, the concat states joined along the channels.
     */
    private static String cell(DartsOperations ops, String prefix, String s0, String s1, boolean reduction,
                               boolean reductionPrev, Genotype genotype) {
        List<String> states = new ArrayList<>();
        states.add(reductionPrev ? ops.factorizedReduce(s0, prefix + ".preprocess0")
                : ops.reluConvBn(s0, prefix + ".preprocess0"));
        states.add(ops.reluConvBn(s1, prefix + ".preprocess1"));
        List<Genotype.Gene> genes = reduction ? genotype.reduce() : genotype.normal();
        for (int g = 0; g < genes.size(); g += 2) {
            String a = gene(ops, prefix, g, genes.get(g), states, reduction);
            String b = gene(ops, prefix, g + 1, genes.get(g + 1), states, reduction);
            states.add(ops.layers().add(a, b));
        }
        List<Integer> concat = reduction ? genotype.reduceConcat() : genotype.normalConcat();
        if (concat.size() == 1) {
            return states.get(concat.get(0));
        }
        return ops.layers().concatChannels(concat.stream().map(states::get).toList());
    }

    private static String gene(DartsOperations ops, String cellPrefix, int index, Genotype.Gene gene,
                               List<String> states, boolean reduction) {
        Primitive primitive = Primitive.fromName(gene.operation());
        int stride = reduction && gene.input() < 2 ? 2 : 1;
        String prefix = cellPrefix + ".node" + index / 2 + ".in" + index % 2 + "." + primitive.dartsName();
        return ops.operation(states.get(gene.input()), prefix, primitive, stride);
    }
}
