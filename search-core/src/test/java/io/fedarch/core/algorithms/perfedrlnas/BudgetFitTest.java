package io.fedarch.core.algorithms.perfedrlnas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fedarch.core.darts.DartsOptions;
import io.fedarch.core.darts.PathCost;
import io.fedarch.core.darts.SinglePath;

class BudgetFitTest {
    private static final DartsOptions OPTIONS = DartsOptions.parse(Map.of("channels", "4", "layers", "3",
            "stemStride", "2"));

    @Test
    void theArgMaxIsKeptWhenItFitsAndShrunkUntilItFitsWhenNot() {
        PolicyTable policies = PolicyTable.initial(2, 8, 21);
        int sep5 = OPTIONS.operationNames().indexOf("sep_conv_5x5");
        int[] heavy = new int[14];
        java.util.Arrays.fill(heavy, sep5);
        for (int step = 0; step < 5; step++) {
            policies.reinforce(0, new SinglePath(OPTIONS.operationNames(), heavy, heavy), 1.0, 0.5);
        }
        SinglePath argmax = policies.argmax(0, OPTIONS.operationNames());
        long argmaxMemory = PathCost.of(OPTIONS, argmax).peakTrainingBytes(32);
        assertEquals(argmax, BudgetFit.fit(policies, 0, OPTIONS, Double.POSITIVE_INFINITY, 32));
        assertEquals(argmax, BudgetFit.fit(policies, 0, OPTIONS, argmaxMemory, 32));
        double budget = 12.0 * 1024 * 1024;
        assertTrue(argmaxMemory > budget, "the rewarded all-sep_conv_5x5 path is heavy: " + argmaxMemory);
        SinglePath fitted = BudgetFit.fit(policies, 0, OPTIONS, budget, 32);
        assertTrue(PathCost.of(OPTIONS, fitted).peakTrainingBytes(32) <= budget);
        int kept = 0;
        for (int e = 0; e < 14; e++) {
            kept += fitted.choices(false)[e] == sep5 ? 1 : 0;
            kept += fitted.choices(true)[e] == sep5 ? 1 : 0;
        }
        assertTrue(kept > 0, "the swaps keep as much of the preferred path as fits");
    }
}
