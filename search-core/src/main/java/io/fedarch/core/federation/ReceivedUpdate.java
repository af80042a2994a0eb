package io.fedarch.core.federation;

import io.fedarch.core.strategy.ClientResult;
import io.fedarch.events.ClientMetrics;

/**
 * A validated client update held until its round closes, with its place on the update topic so a
 * checkpoint can refer to it instead of copying it.
 */
public record ReceivedUpdate(ClientResult result, ClientMetrics metrics, String workerId, UpdateOrigin origin) {
}
