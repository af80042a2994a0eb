package io.fedarch.events.wire;

import java.util.Map;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Kafka deserializer for one fedarch event type, named by the consumer property
 * {@value #VALUE_TYPE_CONFIG} (e.g. {@code io.fedarch.events.ModelReady}).
 * Services consume raw bytes and decode themselves so that a bad message can be dead-lettered
 * with its reason; this class is for external Java clients that prefer typed records.
 */
public class AvroEventDeserializer<T extends SpecificRecord> implements Deserializer<T> {
    public static final String VALUE_TYPE_CONFIG = "fedarch.avro.value-type";

    private Class<T> type;

    public AvroEventDeserializer() {
    }

    public AvroEventDeserializer(Class<T> type) {
        this.type = type;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void configure(Map<String, ?> configs, boolean isKey) {
        Object configured = configs.get(VALUE_TYPE_CONFIG);
        if (configured == null) {
            if (type == null) {
                throw new IllegalArgumentException(VALUE_TYPE_CONFIG + " must name the event class to decode");
            }
            return;
        }
        try {
            type = (Class<T>) Class.forName(configured.toString());
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("unknown event class " + configured, e);
        }
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        return data == null ? null : EventCodec.decode(data, type);
    }
}
