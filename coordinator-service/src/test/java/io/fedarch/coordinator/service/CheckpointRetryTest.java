package io.fedarch.coordinator.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;

/**
 * Review finding C2: a checkpoint was retried forever whatever the broker said. Only failures that
 * waiting can cure are retried now; a record the broker can never take fails its job, and a newer
 * coordinator's fencing (or a lost authorisation) stops this one.
 */
class CheckpointRetryTest {

    @Test
    void theBrokerBeingAwayIsRetried() {
        assertEquals(TransactionalCommit.Failure.RETRY, TransactionalCommit.classify(new TimeoutException("expired")));
        assertEquals(TransactionalCommit.Failure.RETRY,
                TransactionalCommit.classify(new NotEnoughReplicasException("1 of 2")));
    }

    @Test
    void aRecordTheBrokerCanNeverTakeFailsTheJob() {
        assertEquals(TransactionalCommit.Failure.REFUSED,
                TransactionalCommit.classify(new KafkaException("aborted", new RecordTooLargeException("69 MB"))));
        assertEquals(TransactionalCommit.Failure.REFUSED,
                TransactionalCommit.classify(new SerializationException("bad")));
    }

    @Test
    void fencingOrALostAuthorisationStopsTheCoordinator() {
        assertEquals(TransactionalCommit.Failure.FENCED,
                TransactionalCommit.classify(new ProducerFencedException("epoch 3 > 2")));
        assertEquals(TransactionalCommit.Failure.FENCED,
                TransactionalCommit.classify(new TopicAuthorizationException("no write")));
    }
}
