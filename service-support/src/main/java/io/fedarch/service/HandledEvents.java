package io.fedarch.service;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The ids of the latest events this service instance handled successfully. Kafka delivers at
 * least once: after a rebalance or a restart of a peer the same event (same id) can come again,
 * and handling it twice would redo work or publish a duplicate. Bounded, so memory stays flat;
 * durable idempotency (across restarts) is each handler's own business, e.g. the coordinator's checkpoints.
 */
final class HandledEvents {
    private final Map<String, Boolean> recent;

    HandledEvents(int capacity) {
        this.recent = new LinkedHashMap<>(capacity * 2, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > capacity;
            }
        };
    }

    synchronized boolean contains(String key) {
        return recent.containsKey(key);
    }

    synchronized void add(String key) {
        recent.put(key, Boolean.TRUE);
    }
}
