package io.fedarch.coordinator.service;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/** Where an input event was read: its offset is committed in the transaction carrying its effects. */
public record Consumed(String topic, int partition, long offset) {
    public static Consumed of(ConsumerRecord<?, ?> record) {
        return new Consumed(record.topic(), record.partition(), record.offset());
    }
}
