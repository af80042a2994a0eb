package io.fedarch.worker.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SimulatedSlowDeviceTest {
    @Test
    void aThreeTimesSlowerDeviceWaitsTwiceTheComputeTimeAfterTheWork() {
        SimulatedSlowDevice device = new SimulatedSlowDevice(3.0);
        long start = System.nanoTime();
        long waited = device.waitAfter(150);
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals(300, waited);
        assertTrue(elapsedMs >= 300, "slept only " + elapsedMs + " ms");
        assertEquals(75, new SimulatedSlowDevice(1.5).waitAfter(150));
    }

    @Test
    void fullSpeedWaitsNothingAndAFactorBelowOneIsRefused() {
        SimulatedSlowDevice full = new SimulatedSlowDevice(1.0);
        assertFalse(full.slows());
        assertEquals(0, full.waitAfter(10_000));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SimulatedSlowDevice(0.5));
        assertTrue(e.getMessage().contains("fedarch.worker.slowdown-factor"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SimulatedSlowDevice(Double.NaN));
    }
}
