package io.fedarch.coordinator.service;

import io.fedarch.core.strategy.ClientResult;
import io.fedarch.events.ClientMetrics;

/** A validated client update held until its round closes. */
record ReceivedUpdate(ClientResult result, ClientMetrics metrics, String workerId) {
}
