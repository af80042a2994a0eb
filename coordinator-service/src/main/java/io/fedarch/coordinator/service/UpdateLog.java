package io.fedarch.coordinator.service;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

import io.fedarch.core.federation.FederationEngine;
import io.fedarch.events.AcceptedUpdate;
import io.fedarch.events.ClientUpdate;
import io.fedarch.events.wire.EventCodec;
import io.fedarch.events.wire.Topics;

/** Reads accepted client updates back from fedarch.client-updates by the place a checkpoint recorded. */
@ApplicationScoped
public class UpdateLog {
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    @Inject
    CheckpointStore store;

    /**
     * Reads updates one at a time with one consumer (opened at the first read): a restore folds each
     * update of an open round before it reads the next, so it holds one update, not the round's.
     */
    public final class Reader implements FederationEngine.UpdateReader, AutoCloseable {
        private KafkaConsumer<String, byte[]> consumer;

        /** @throws IllegalStateException when the update is gone from the topic (retention) or is not the one recorded */
        @Override
        public ClientUpdate read(AcceptedUpdate place) {
            if (consumer == null) {
                consumer = store.consumer();
            }
            return readAt(consumer, place);
        }

        @Override
        public void close() {
            if (consumer != null) {
                consumer.close();
            }
        }
    }

    public Reader reader() {
        return new Reader();
    }

    /**
     * The updates at the given places, in their order; one client may appear more than once (an
     * async job's buffer).
     *
     * @throws IllegalStateException when an update is gone from the topic (retention) or is not the one recorded
     */
    public List<ClientUpdate> readInOrder(List<AcceptedUpdate> accepted) {
        List<ClientUpdate> updates = new ArrayList<>();
        if (accepted.isEmpty()) {
            return updates;
        }
        try (Reader reader = reader()) {
            for (AcceptedUpdate place : accepted) {
                updates.add(reader.read(place));
            }
        }
        return updates;
    }

    private static ClientUpdate readAt(KafkaConsumer<String, byte[]> consumer, AcceptedUpdate place) {
        TopicPartition partition = new TopicPartition(Topics.CLIENT_UPDATES, place.getPartition());
        consumer.assign(List.of(partition));
        consumer.seek(partition, place.getOffset());
        ClientUpdate update = poll(consumer, place);
        if (!update.getEventId().equals(place.getEventId()) || update.getClientId() != place.getClientId()) {
            throw new IllegalStateException("update at " + partition + "@" + place.getOffset() + " is "
                    + update.getEventId() + " of client " + update.getClientId() + ", the checkpoint recorded "
                    + place.getEventId() + " of client " + place.getClientId());
        }
        return update;
    }

    private static ClientUpdate poll(KafkaConsumer<String, byte[]> consumer, AcceptedUpdate place) {
        Instant giveUp = Instant.now().plus(READ_TIMEOUT);
        while (Instant.now().isBefore(giveUp)) {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                if (record.offset() == place.getOffset()) {
                    return EventCodec.decode(record.value(), ClientUpdate.class);
                }
            }
        }
        throw new IllegalStateException("update " + place.getEventId() + " of client " + place.getClientId()
                + " is no longer at " + Topics.CLIENT_UPDATES + "[" + place.getPartition() + "]@" + place.getOffset());
    }
}
