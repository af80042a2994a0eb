package io.fedarch.core.algorithms.perfedrlnas;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.fedarch.core.strategy.ClientResult;
import io.fedarch.core.strategy.WeightedAverage;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;

class MaskedDeltaFusionTest {
    private static ModelParameters model(float... values) {
        return new ModelParameters(List.of(new NamedTensor("w", new int[] {values.length}, values)));
    }

    @Test
    void entriesNobodyTrainedKeepTheirExactBits() {
        ModelParameters global = model(0.1f, -0.3f, 1e-20f, 7.77f);
        ModelParameters a = model(0.5f, -0.3f, 1e-20f, 7.77f);
        ModelParameters b = model(0.1f, 0.9f, 1e-20f, 7.77f);
        for (boolean renormalise : new boolean[] {false, true}) {
            float[] fused = MaskedDeltaFusion.fuse(global, List.of(new MaskedDeltaFusion.Contribution(a, 30),
                    new MaskedDeltaFusion.Contribution(b, 10)), renormalise).supernet().get("w").values();
            assertEquals(Float.floatToRawIntBits(1e-20f), Float.floatToRawIntBits(fused[2]));
            assertEquals(Float.floatToRawIntBits(7.77f), Float.floatToRawIntBits(fused[3]));
        }
    }

    @Test
    void theReferenceRuleWeighsEachDeltaByItsShareOfAllSamplesAndRenormalisingByItsTrainers() {
        ModelParameters global = model(0f, 0f);
        ModelParameters a = model(1f, 0f);
        ModelParameters b = model(0f, 2f);
        var contributions = List.of(new MaskedDeltaFusion.Contribution(a, 30), new MaskedDeltaFusion.Contribution(b, 10));
        assertArrayEquals(new float[] {0.75f, 0.5f},
                MaskedDeltaFusion.fuse(global, contributions, false).supernet().get("w").values(), 1e-7f);
        assertArrayEquals(new float[] {1f, 2f},
                MaskedDeltaFusion.fuse(global, contributions, true).supernet().get("w").values(), 1e-7f);
    }

    @Test
    void aSingleClientsFusionIsFedAvgOnItsSlice() {
        ModelParameters global = model(0.125f, -2.5f, 3.3f, 0.7f);
        ModelParameters trained = model(0.2f, -2.5f, 3.0123f, 0.69999f);
        float[] fused = MaskedDeltaFusion.fuse(global, List.of(new MaskedDeltaFusion.Contribution(trained, 17)), false)
                .supernet().get("w").values();
        float[] fedAvg = WeightedAverage.of(global, List.of(ClientResult.of(0, 17, trained))).get("w").values();
        for (int k = 0; k < fused.length; k++) {
            assertEquals(Float.floatToRawIntBits(fedAvg[k]), Float.floatToRawIntBits(fused[k]), "entry " + k);
        }
    }
}
