package io.fedarch.coordinator.service;

import io.fedarch.events.wire.ServiceStoppingException;

/**
 * Another coordinator started with the same transactional id: this one is a zombie (an older
 * instance, or a second one started by mistake). Nothing it decides can commit any more; it stops.
 */
public class CoordinatorFencedException extends ServiceStoppingException {
    public CoordinatorFencedException(Throwable cause) {
        super("this coordinator was fenced by a newer one with the same transactional id; it stops", cause);
    }
}
