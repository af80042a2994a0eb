package io.fedarch.coordinator.service;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

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
     * @return the updates by client id
     * @throws IllegalStateException when an update is gone from the topic (retention) or is not the one recorded
     */
    public Map<Integer, ClientUpdate> read(List<AcceptedUpdate> accepted) {
        Map<Integer, ClientUpdate> updates = new HashMap<>();
        readInOrder(accepted).forEach(update -> updates.put(update.getClientId(), update));
        return updates;
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
        try (KafkaConsumer<String, byte[]> consumer = store.consumer()) {
            for (AcceptedUpdate place : accepted) {
                TopicPartition partition = new TopicPartition(Topics.CLIENT_UPDATES, place.getPartition());
                consumer.assign(List.of(partition));
                consumer.seek(partition, place.getOffset());
                ClientUpdate update = readAt(consumer, place);
                if (!update.getEventId().equals(place.getEventId()) || update.getClientId() != place.getClientId()) {
                    throw new IllegalStateException("update at " + partition + "@" + place.getOffset() + " is "
                            + update.getEventId() + " of client " + update.getClientId() + ", the checkpoint recorded "
                            + place.getEventId() + " of client " + place.getClientId());
                }
                updates.add(update);
            }
        }
        return updates;
    }

    private static ClientUpdate readAt(KafkaConsumer<String, byte[]> consumer, AcceptedUpdate place) {
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
