package io.fedarch.core.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

class HalfFloatTest {

    @Test
    void everyHalfValueSurvivesARoundTrip() {
        for (int h = 0; h < 0x10000; h++) {
            float f = HalfFloat.toFloat((short) h);
            if (Float.isNaN(f)) {
                assertTrue(Float.isNaN(HalfFloat.toFloat(HalfFloat.fromFloat(f))));
            } else {
                assertEquals(h, HalfFloat.fromFloat(f) & 0xffff, "half 0x" + Integer.toHexString(h));
            }
        }
    }

    @Test
    void roundsToNearestTiesToEven() {
        // 1 + 2^-11 is exactly halfway between 1 and the next half (1 + 2^-10): ties go to the even 1.
        assertEquals(1.0f, HalfFloat.toFloat(HalfFloat.fromFloat(1 + 0x1p-11f)));
        // 1 + 3·2^-11 is halfway between 1 + 2^-10 (odd) and 1 + 2^-9 (even).
        assertEquals(1 + 0x1p-9f, HalfFloat.toFloat(HalfFloat.fromFloat(1 + 3 * 0x1p-11f)));
        assertEquals(Float.POSITIVE_INFINITY, HalfFloat.toFloat(HalfFloat.fromFloat(70000f)));
        assertEquals(65504f, HalfFloat.toFloat(HalfFloat.fromFloat(65504f)));
        assertEquals(0x1p-24f, HalfFloat.toFloat(HalfFloat.fromFloat(0x1p-24f)));
        assertEquals(0f, HalfFloat.toFloat(HalfFloat.fromFloat(0x1p-26f)));
        assertEquals(-0f, HalfFloat.toFloat(HalfFloat.fromFloat(-0f)));
        assertTrue(Float.isNaN(HalfFloat.toFloat(HalfFloat.fromFloat(Float.NaN))));
    }

    @Test
    void randomFloatsGoToTheNearestHalf() {
        Random random = new Random(3);
        for (int i = 0; i < 200_000; i++) {
            float f = (float) (random.nextGaussian() * Math.pow(2, random.nextInt(40) - 25));
            short h = HalfFloat.fromFloat(f);
            double chosen = HalfFloat.toFloat(h);
            if (Double.isInfinite(chosen)) {
                // IEEE: magnitudes from 65520 (max half + half an ulp) upwards round to infinity.
                assertTrue(Math.abs(f) >= 65520f, f + " overflowed");
                continue;
            }
            double error = Math.abs(chosen - f);
            // Neither neighbour of the chosen half may be strictly closer.
            for (int delta : new int[] {-1, 1}) {
                int neighbour = (h & 0xffff) + delta;
                if ((neighbour & 0x7fff) < 0x7c00 && (neighbour & 0x8000) == (h & 0x8000)) {
                    double other = HalfFloat.toFloat((short) neighbour);
                    assertTrue(error <= Math.abs(other - f), f + " -> " + chosen + " but " + other + " is closer");
                }
            }
        }
    }
}
