package io.fedarch.core.federation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;

/** A worker's residuals: per job and client, a task run twice starts from the same one, bounded memory. */
class UplinkResidualsTest {
    private static ModelParameters residual(float value) {
        float[] values = new float[100];
        java.util.Arrays.fill(values, value);
        return new ModelParameters(List.of(new NamedTensor("w", new int[] {100}, values)));
    }

    @Test
    void eachTaskGetsWhatTheClientsPreviousTaskDroppedAndARedeliveredTaskWhatItStartedFrom() {
        UplinkResiduals residuals = new UplinkResiduals(1 << 20);
        assertNull(residuals.forTask("job", 3, 1, "t1"), "a client's first update carries nothing");
        ModelParameters afterRound1 = residual(0.1f);
        residuals.record("job", 3, 1, "t1", null, afterRound1);
        assertSame(afterRound1, residuals.forTask("job", 3, 2, "t2"));
        ModelParameters afterRound2 = residual(0.2f);
        residuals.record("job", 3, 2, "t2", afterRound1, afterRound2);
        // The same task again (redelivered after a worker crash): it starts from round 1's residual, not its own.
        assertSame(afterRound1, residuals.forTask("job", 3, 2, "t2"));
        assertSame(afterRound2, residuals.forTask("job", 3, 3, "t3"));
        // Other clients and jobs are separate; a straggler's older round gets none and changes nothing.
        assertNull(residuals.forTask("job", 4, 3, "t3-4"));
        assertNull(residuals.forTask("other", 3, 3, "o3"));
        assertNull(residuals.forTask("job", 3, 1, "t1-retry"));
        residuals.record("job", 3, 1, "t1-retry", null, residual(9f));
        assertSame(afterRound2, residuals.forTask("job", 3, 3, "t3"));
    }

    @Test
    void theLeastRecentlyUsedClientsGoFirstWhenTheBoundIsReached() {
        // Each entry holds 100 + 100 floats = 800 bytes; room for two.
        UplinkResiduals residuals = new UplinkResiduals(1_700);
        residuals.record("job", 0, 1, "a", residual(0f), residual(1f));
        residuals.record("job", 1, 1, "b", residual(0f), residual(1f));
        residuals.forTask("job", 0, 2, "a2");                   // client 0 used again: client 1 is now the eldest
        residuals.record("job", 2, 1, "c", residual(0f), residual(1f));
        assertEquals(2, residuals.size());
        assertNull(residuals.forTask("job", 1, 2, "b2"), "evicted: that client starts again from zero (correct, less exact)");
        assertEquals(1f, residuals.forTask("job", 0, 2, "a2").get("w").values()[0]);
    }
}
