package io.fedarch.core.darts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class GenotypeDerivationTest {
    private static final List<String> OPS = Primitive.all().stream().map(Primitive::dartsName).toList();

    /** A row of α with the given logits on the given operation columns (others 0). */
    private static float[] row(Object... opAndLogit) {
        float[] r = new float[OPS.size()];
        for (int i = 0; i < opAndLogit.length; i += 2) {
            r[OPS.indexOf((String) opAndLogit[i])] = ((Number) opAndLogit[i + 1]).floatValue();
        }
        return r;
    }

    @Test
    void derivesTheHandComputedGenotype() {
        float[][] normal = new float[14][];
        // node 0: edges 0 (from 0), 1 (from 1): both kept.
        normal[0] = row("sep_conv_3x3", 2);
        normal[1] = row("skip_connect", 1);
        // node 1: edges 2..4 from 0, 1, 2. 'none' is huge on edge 2 but never counts;
        // edge 2's best real op is max_pool at logit 0.5, edge 3 dil_conv_5x5 at 3, edge 4 avg_pool at 1.
        normal[2] = row("none", 9, "max_pool_3x3", 0.5);
        normal[3] = row("dil_conv_5x5", 3);
        normal[4] = row("avg_pool_3x3", 1);
        // node 2: edges 5..8 from 0..3: keep 3 (sep_conv_5x5 @4) and 0 (dil_conv_3x3 @2).
        normal[5] = row("dil_conv_3x3", 2);
        normal[6] = row("skip_connect", 1);
        normal[7] = row();
        normal[8] = row("sep_conv_5x5", 4);
        // node 3: edges 9..13 from 0..4: all uniform except 4 (max_pool @1) and 2 (skip @1): a tie,
        // resolved like DARTS's stable sort: input 2 before input 4.
        normal[9] = row();
        normal[10] = row();
        normal[11] = row("skip_connect", 1);
        normal[12] = row();
        normal[13] = row("max_pool_3x3", 1);
        float[][] reduce = new float[14][];
        for (int e = 0; e < 14; e++) {
            reduce[e] = row("max_pool_3x3", 1);
        }
        Genotype g = GenotypeDerivation.derive(normal, reduce, OPS);
        assertEquals(List.of(gene("sep_conv_3x3", 0), gene("skip_connect", 1),
                gene("dil_conv_5x5", 1), gene("avg_pool_3x3", 2),
                gene("sep_conv_5x5", 3), gene("dil_conv_3x3", 0),
                gene("skip_connect", 2), gene("max_pool_3x3", 4)), g.normal());
        assertEquals(List.of(2, 3, 4, 5), g.normalConcat());
        // Uniform rows: every edge ties, so inputs 0 and 1 win and max_pool is the best op.
        for (int node = 0; node < 4; node++) {
            assertEquals(gene("max_pool_3x3", 0), g.reduce().get(2 * node));
            assertEquals(gene("max_pool_3x3", 1), g.reduce().get(2 * node + 1));
        }
        assertEquals("{\"normal\":[[\"sep_conv_3x3\",0],[\"skip_connect\",1],[\"dil_conv_5x5\",1],[\"avg_pool_3x3\",2],"
                + "[\"sep_conv_5x5\",3],[\"dil_conv_3x3\",0],[\"skip_connect\",2],[\"max_pool_3x3\",4]],"
                + "\"normal_concat\":[2,3,4,5],\"reduce\":[[\"max_pool_3x3\",0],[\"max_pool_3x3\",1],"
                + "[\"max_pool_3x3\",0],[\"max_pool_3x3\",1],[\"max_pool_3x3\",0],[\"max_pool_3x3\",1],"
                + "[\"max_pool_3x3\",0],[\"max_pool_3x3\",1]],\"reduce_concat\":[2,3,4,5]}", g.toJson());
        assertEquals(g, Genotype.fromJson(g.toJson()));
        assertTrue(g.toString().startsWith("Genotype(normal=[('sep_conv_3x3', 0), ('skip_connect', 1)"), g.toString());
    }

    @Test
    void operationSubsetsUseTheirOwnColumns() {
        List<String> ops = List.of("max_pool_3x3", "sep_conv_3x3");
        float[][] alpha = new float[14][];
        for (int e = 0; e < 14; e++) {
            alpha[e] = new float[] {0, e + 1};
        }
        Genotype g = GenotypeDerivation.derive(alpha, alpha, ops);
        // Higher edge index → higher weight: each node keeps its last two inputs.
        assertEquals(List.of(gene("sep_conv_3x3", 1), gene("sep_conv_3x3", 0)), g.normal().subList(0, 2));
        assertEquals(List.of(gene("sep_conv_3x3", 4), gene("sep_conv_3x3", 3)), g.normal().subList(6, 8));
    }

    @Test
    void validationRejectsBrokenGenotypes() {
        Genotype good = Genotype.fromJson("{\"normal\":[[\"sep_conv_3x3\",0],[\"skip_connect\",1]],"
                + "\"normal_concat\":[2],\"reduce\":[[\"max_pool_3x3\",0],[\"max_pool_3x3\",1]],\"reduce_concat\":[2]}");
        good.validate();
        assertThrows(IllegalArgumentException.class, () -> Genotype.fromJson(good.toJson().replace("skip_connect", "none")).validate());
        assertThrows(IllegalArgumentException.class, () -> Genotype.fromJson(good.toJson().replace("\"skip_connect\",1", "\"skip_connect\",2")).validate());
        assertThrows(IllegalArgumentException.class, () -> Genotype.fromJson(good.toJson().replace("\"skip_connect\",1", "\"skip_connect\",0")).validate());
        assertThrows(IllegalArgumentException.class, () -> Genotype.fromJson(good.toJson().replace("skip_connect", "conv_7x1_1x7")).validate());
        assertThrows(IllegalArgumentException.class, () -> Genotype.fromJson("{\"normal\":[]}"));
    }

    private static Genotype.Gene gene(String op, int input) {
        return new Genotype.Gene(op, input);
    }
}
