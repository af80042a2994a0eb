package io.fedarch.core.strategy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;

class BufferedAsyncStepTest {
    private static ModelParameters model(float... values) {
        return new ModelParameters(List.of(new NamedTensor("w", new int[] {values.length}, values)));
    }

    @Test
    void stalenessWeightIsOneOverRootOfOnePlusStaleness() {
        assertEquals(1.0, BufferedAsyncStep.stalenessWeight(0, 0.5), 1e-15);
        assertEquals(0.5, BufferedAsyncStep.stalenessWeight(3, 0.5), 1e-15);
        assertEquals(1.0 / 3.0, BufferedAsyncStep.stalenessWeight(2, 1.0), 1e-15);
        assertEquals(1.0, BufferedAsyncStep.stalenessWeight(7, 0.0), 1e-15, "exponent 0 = no down-weighting");
        assertThrows(IllegalArgumentException.class, () -> BufferedAsyncStep.stalenessWeight(-1, 0.5));
    }

    @Test
    void stepsByTheStalenessWeightedMeanOfTheDeltasFromEachBase() {
        ModelParameters global = model(10f, 0f);
        // Fresh client: base = global, local = base + (2, 4): delta (2, 4), weight 1.
        StaleUpdate fresh = new StaleUpdate(0, model(12f, 4f), model(10f, 0f), 0);
        // Stale client: started from an older version (7, 1), trained to (11, 1): delta (4, 0), weight (1+3)^-0.5 = 0.5.
        StaleUpdate stale = new StaleUpdate(1, model(11f, 1f), model(7f, 1f), 3);
        // global + 1.0 * (1/2) * (1*(2,4) + 0.5*(4,0)) = (10, 0) + (2, 2) = (12, 2)
        ModelParameters next = BufferedAsyncStep.apply(global, List.of(fresh, stale), 0.5, 1.0);
        assertEquals(12f, next.get("w").values()[0], 1e-6);
        assertEquals(2f, next.get("w").values()[1], 1e-6);

        // The server learning rate scales the step: eta 0.5 gives (10, 0) + (1, 1).
        ModelParameters half = BufferedAsyncStep.apply(global, List.of(fresh, stale), 0.5, 0.5);
        assertEquals(11f, half.get("w").values()[0], 1e-6);
        assertEquals(1f, half.get("w").values()[1], 1e-6);
    }

    @Test
    void oneFreshUpdateWithRateOneIsThatClientsModelWhenItStartedFromTheGlobal() {
        ModelParameters global = model(1f, 2f, 3f);
        ModelParameters next = BufferedAsyncStep.apply(global,
                List.of(new StaleUpdate(4, model(0.5f, 2.5f, -3f), global, 0)), 0.5, 1.0);
        assertEquals(0.5f, next.get("w").values()[0], 1e-7);
        assertEquals(2.5f, next.get("w").values()[1], 1e-7);
        assertEquals(-3f, next.get("w").values()[2], 1e-7);
    }

    @Test
    void refusesAnEmptyBufferAndAMisfitModel() {
        ModelParameters global = model(1f, 2f);
        assertThrows(IllegalArgumentException.class, () -> BufferedAsyncStep.apply(global, List.of(), 0.5, 1.0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BufferedAsyncStep.apply(global,
                List.of(new StaleUpdate(3, model(1f), global, 0)), 0.5, 1.0));
        assertTrue(e.getMessage().contains("client 3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new StaleUpdate(0, global, global, -1));
    }
}
