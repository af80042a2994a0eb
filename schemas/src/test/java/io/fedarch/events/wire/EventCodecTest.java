package io.fedarch.events.wire;

import static org.junit.jupiter.api.Assertions.*;

import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;

import io.fedarch.events.ClientUpdate;
import io.fedarch.events.JobSubmitted;

class EventCodecTest {

    /** A message that announces two billion array items it does not carry fails to decode; it must not exhaust the heap. */
    @Test
    void aLyingLengthIsRefusedNotAllocated() throws java.io.IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(new byte[]{(byte) 0xC3, 0x01});
        long fingerprint = org.apache.avro.SchemaNormalization.parsingFingerprint64(
                io.fedarch.events.ArchitectureMask.getClassSchema());
        out.write(java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(fingerprint).array());
        org.apache.avro.io.BinaryEncoder body = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
        body.writeString("e");
        body.writeString("j");
        body.writeLong(0);
        body.writeInt(1);
        body.writeInt(1);
        body.writeDouble(0.5);
        body.writeArrayStart();
        body.setItemCount(2_000_000_000L); // SearchMask.operations: nothing follows
        body.flush();
        assertThrows(MalformedEventException.class,
                () -> EventCodec.decode(out.toByteArray(), io.fedarch.events.ArchitectureMask.class));
    }

    @Test
    void roundTripsEveryEventType() {
        for (SpecificRecord event : SampleEvents.all()) {
            byte[] wire = EventCodec.encode(event);
            assertEquals(event, EventCodec.decode(wire, (Class<SpecificRecord>) event.getClass()));
        }
    }

    @Test
    void rejectsGarbageWithAReason() {
        MalformedEventException e = assertThrows(MalformedEventException.class,
                () -> EventCodec.decode("not avro at all".getBytes(), JobSubmitted.class));
        assertTrue(e.getMessage().contains("JobSubmitted"), e.getMessage());
    }

    @Test
    void rejectsAnotherEventTypeByItsFingerprint() {
        byte[] update = EventCodec.encode(SampleEvents.all().get(3));
        assertThrows(MalformedEventException.class, () -> EventCodec.decode(update, JobSubmitted.class));
        assertNotNull(EventCodec.decode(update, ClientUpdate.class));
    }

    @Test
    void rejectsTruncatedMessages() {
        byte[] update = EventCodec.encode(SampleEvents.all().get(3));
        byte[] cut = java.util.Arrays.copyOf(update, update.length / 2);
        assertThrows(MalformedEventException.class, () -> EventCodec.decode(cut, ClientUpdate.class));
    }

    @Test
    void rejectsNullValues() {
        assertThrows(MalformedEventException.class, () -> EventCodec.decode(null, JobSubmitted.class));
    }

    @Test
    void kafkaSerdesWrapTheCodec() {
        SpecificRecord job = SampleEvents.all().get(0);
        byte[] wire = new AvroEventSerializer().serialize("fedarch.jobs", job);
        try (AvroEventDeserializer<JobSubmitted> deserializer = new AvroEventDeserializer<>()) {
            deserializer.configure(java.util.Map.of(AvroEventDeserializer.VALUE_TYPE_CONFIG,
                    JobSubmitted.class.getName()), false);
            assertEquals(job, deserializer.deserialize("fedarch.jobs", wire));
        }
    }
}
