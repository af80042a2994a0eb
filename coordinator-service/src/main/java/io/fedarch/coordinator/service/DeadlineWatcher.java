package io.fedarch.coordinator.service;

import java.time.Instant;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.quarkus.scheduler.Scheduled;

/** Closes or fails rounds whose deadline passed; a round is never left waiting on a client that is gone. */
@ApplicationScoped
public class DeadlineWatcher {
    @Inject
    FederationService federation;

    @Scheduled(every = "${fedarch.coordinator.deadline-check-interval:1s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void check() {
        federation.enforceDeadlines(Instant.now());
    }
}
