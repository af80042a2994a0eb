package io.fedarch.coordinator.service;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;

/** Review finding C2: only failures that waiting can cure are retried; the rest fail the job. */
class CheckpointRetryTest {

    @Test
    void theBrokerBeingAwayIsRetried() {
        assertTrue(CheckpointStore.retriable(new TimeoutException("expired")));
        assertTrue(CheckpointStore.retriable(new NotEnoughReplicasException("1 of 2")));
    }

    @Test
    void aRefusalThatCannotChangeIsNot() {
        assertFalse(CheckpointStore.retriable(new RecordTooLargeException("69 MB")));
        assertFalse(CheckpointStore.retriable(new TopicAuthorizationException("no write")));
        assertFalse(CheckpointStore.retriable(new SerializationException("bad")));
    }
}
