package io.fedarch.core.federation;

import io.fedarch.core.strategy.ClientResult;
import io.fedarch.events.ClientMetrics;

/**
 * A validated client update held until its round closes, with its place on the update topic so a
 * checkpoint can refer to it instead of copying it. Once its model is folded into the round's
 * running sums it is kept without it ({@link #withoutModel}): its weight, metrics and place only.
 */
public record ReceivedUpdate(ClientResult result, ClientMetrics metrics, String workerId, UpdateOrigin origin) {

    /** This update with its model dropped (result's parameters null): what a folding round keeps. */
    ReceivedUpdate withoutModel() {
        return result == null || result.parameters() == null ? this : new ReceivedUpdate(
                new ClientResult(result.instruction(), result.sampleCount(), null, result.metrics()), metrics,
                workerId, origin);
    }

    /** Bytes of model values it holds (4 per FP32 value; 0 once folded). */
    long modelBytes() {
        return result == null || result.parameters() == null ? 0 : 4 * result.parameters().elementCount();
    }
}
