package io.fedarch.core.federation;

/** Where a client update sits on fedarch.client-updates: enough to read it back after a restart. */
public record UpdateOrigin(String eventId, int partition, long offset) {
}
