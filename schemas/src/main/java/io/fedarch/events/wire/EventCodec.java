package io.fedarch.events.wire;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.Schema;
import org.apache.avro.message.BinaryMessageDecoder;
import org.apache.avro.message.BinaryMessageEncoder;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;

/**
 * Avro single-object encoding of fedarch events: 2 marker bytes (C3 01), the 8-byte
 * CRC-64-AVRO fingerprint of the writer schema, then the Avro binary body.
 * A consumer holding only the .avsc files can decode it (no registry server is needed):
 * the fingerprint tells which schema wrote the message.
 */
public final class EventCodec {

    /**
     * Avro trusts the lengths a message declares: a few flipped bits can announce an array of two
     * billion items, and the decoder allocates it before noticing the bytes are missing (the fuzz
     * test brought services down with OutOfMemoryError that way). These caps, far above anything a
     * fedarch event holds and no higher than the 64 MiB message limit, make such a message fail
     * to decode instead; a JVM property set by the user wins.
     */
    static {
        limitUnlessSet("org.apache.avro.limits.collectionItems.maxLength", 1_000_000);
        limitUnlessSet("org.apache.avro.limits.bytes.maxLength", 64 << 20);
        limitUnlessSet("org.apache.avro.limits.string.maxLength", 16 << 20);
        // Avro reads the properties once, when its SystemLimitException class initialises; if anything
        // decoded Avro before this class loaded, that happened already and only its reset applies them.
        try {
            java.lang.reflect.Method reset = org.apache.avro.SystemLimitException.class.getDeclaredMethod("resetLimits");
            reset.setAccessible(true);
            reset.invoke(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExceptionInInitializerError("cannot apply Avro's decoding limits: " + e);
        }
    }

    private static void limitUnlessSet(String property, int limit) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, Integer.toString(limit));
        }
    }

    private static final Map<Class<?>, BinaryMessageEncoder<?>> ENCODERS = new ConcurrentHashMap<>();
    private static final Map<Class<?>, BinaryMessageDecoder<?>> DECODERS = new ConcurrentHashMap<>();

    private EventCodec() {
    }

    @SuppressWarnings("unchecked")
    public static <T extends SpecificRecord> byte[] encode(T event) {
        BinaryMessageEncoder<T> encoder = (BinaryMessageEncoder<T>) ENCODERS.computeIfAbsent(event.getClass(),
                type -> new BinaryMessageEncoder<>(modelFor(type), event.getSchema()));
        try {
            // Not encoder.encode(event): it encodes into a per-thread buffer that grows to the largest event the
            // thread ever encoded and never shrinks, so every thread that once wrote a model-carrying event kept
            // a copy of its size (the coordinator held ~36 MB of them for a 4 MB model, issue 19). Measuring first
            // and writing into an array of the exact size allocates the event once, with no growing buffer (in G1,
            // a model-sized array is a humongous object: every interim copy costs contiguous old regions).
            SizeOnly size = new SizeOnly();
            encoder.encode(event, size);
            byte[] bytes = new byte[Math.toIntExact(size.bytes)];
            encoder.encode(event, new FillArray(bytes));
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode " + event.getSchema().getFullName(), e);
        }
    }

    /**
     * Decodes a single-object encoded payload into {@code type}.
     *
     * @throws MalformedEventException when the bytes are not a valid message of that type
     *         (wrong header, unknown schema fingerprint, truncated body)
     */
    /** Counts what is written and keeps none of it. */
    private static final class SizeOnly extends OutputStream {
        long bytes;

        @Override
        public void write(int b) {
            bytes++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes += len;
        }
    }

    /** Writes into an array of the size {@link SizeOnly} measured; an event that changed in between overflows it. */
    private static final class FillArray extends OutputStream {
        private final byte[] target;
        private int position;

        FillArray(byte[] target) {
            this.target = target;
        }

        @Override
        public void write(int b) {
            target[position++] = (byte) b;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            System.arraycopy(b, off, target, position, len);
            position += len;
        }
    }

    @SuppressWarnings("unchecked")
    public static <T extends SpecificRecord> T decode(byte[] payload, Class<T> type) {
        if (payload == null) {
            throw new MalformedEventException("empty message (null value) where " + type.getSimpleName() + " was expected");
        }
        BinaryMessageDecoder<T> decoder = (BinaryMessageDecoder<T>) DECODERS.computeIfAbsent(type,
                t -> new BinaryMessageDecoder<>(modelFor(t), schemaOf(t)));
        try {
            return decoder.decode(payload);
        } catch (IOException | RuntimeException e) {
            throw new MalformedEventException("not a valid " + type.getSimpleName() + " message ("
                    + payload.length + " bytes): " + e.getMessage(), e);
        }
    }

    static Schema schemaOf(Class<?> type) {
        return modelFor(type).getSchema(type);
    }

    /**
     * A data model bound to the class loader of the event class: Avro otherwise resolves record
     * classes through whatever loader it finds first, which under Quarkus (tests, dev mode) is not
     * the one the caller's classes come from and ends in ClassCastExceptions.
     */
    static SpecificData modelFor(Class<?> type) {
        return new SpecificData(type.getClassLoader());
    }
}
