package io.fedarch.core.strategy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;

class WeightedAverageTest {

    static ModelParameters model(float[] w, float b) {
        return new ModelParameters(List.of(
                new NamedTensor("w", new int[] {2, 2}, w),
                new NamedTensor("b", new int[] {1}, new float[] {b})));
    }

    static ClientResult result(int id, long n, ModelParameters p) {
        return ClientResult.of(id, n, p);
    }

    @Test
    void weightsBySampleCount() {
        ModelParameters a = model(new float[] {1, 2, 3, 4}, 10);
        ModelParameters b = model(new float[] {5, 6, 7, 8}, -2);
        ModelParameters c = model(new float[] {0, 0, 0, 1}, 0);
        // weights 1, 3, 4 of 8: w = (a + 3b + 4c) / 8
        ModelParameters avg = WeightedAverage.of(a, List.of(result(0, 1, a), result(1, 3, b), result(2, 4, c)));
        assertArrayEquals(new float[] {2f, 2.5f, 3f, 4f}, avg.get("w").values(), 1e-6f);
        assertArrayEquals(new float[] {0.5f}, avg.get("b").values(), 1e-6f);
        assertEquals(List.of("w", "b"), avg.names());
    }

    @Test
    void singleClientIsReturnedUnchanged() {
        ModelParameters a = model(new float[] {0.1f, 0.2f, 0.3f, 0.4f}, 1e-8f);
        ModelParameters avg = WeightedAverage.of(a, List.of(result(0, 12345, a)));
        assertArrayEquals(a.get("w").values(), avg.get("w").values());
        assertArrayEquals(a.get("b").values(), avg.get("b").values());
    }

    @Test
    void rejectsZeroSamplesMismatchedShapesAndNoResults() {
        ModelParameters a = model(new float[] {1, 2, 3, 4}, 0);
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> WeightedAverage.of(a, List.of(result(0, 1, a), result(7, 0, a))));
        assertTrue(zero.getMessage().contains("client 7"), zero.getMessage());
        ModelParameters wrong = new ModelParameters(List.of(
                new NamedTensor("w", new int[] {4}, new float[] {1, 2, 3, 4}),
                new NamedTensor("b", new int[] {1}, new float[] {0})));
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> WeightedAverage.of(a, List.of(result(0, 1, a), result(3, 1, wrong))));
        assertTrue(shape.getMessage().contains("'w'"), shape.getMessage());
        assertThrows(IllegalArgumentException.class, () -> WeightedAverage.of(a, List.of()));
    }
}
