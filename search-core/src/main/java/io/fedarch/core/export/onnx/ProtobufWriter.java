package io.fedarch.core.export.onnx;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The protocol-buffers wire format, just what ONNX's messages need: varints, length-delimited
 * fields (strings, bytes, nested messages, packed int64s) and 32-bit floats. Written by hand so
 * that exporting a model needs no protobuf runtime or generated ONNX classes.
 */
final class ProtobufWriter {
    private static final int VARINT = 0;
    private static final int LENGTH_DELIMITED = 2;
    private static final int FIXED32 = 5;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    ProtobufWriter varint(int field, long value) {
        tag(field, VARINT);
        rawVarint(value);
        return this;
    }

    ProtobufWriter string(int field, String value) {
        return bytes(field, value.getBytes(StandardCharsets.UTF_8));
    }

    ProtobufWriter bytes(int field, byte[] value) {
        tag(field, LENGTH_DELIMITED);
        rawVarint(value.length);
        out.writeBytes(value);
        return this;
    }

    ProtobufWriter message(int field, ProtobufWriter nested) {
        return bytes(field, nested.toByteArray());
    }

    ProtobufWriter float32(int field, float value) {
        tag(field, FIXED32);
        out.writeBytes(ByteBuffer.allocate(Float.BYTES).order(ByteOrder.LITTLE_ENDIAN).putFloat(value).array());
        return this;
    }

    /** A repeated int64 field in packed form (one length-delimited run of varints). */
    ProtobufWriter packedInt64(int field, long[] values) {
        ProtobufWriter run = new ProtobufWriter();
        for (long v : values) {
            run.rawVarint(v);
        }
        return bytes(field, run.toByteArray());
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }

    private void tag(int field, int wireType) {
        rawVarint(((long) field << 3) | wireType);
    }

    /** Base-128 little-endian groups; negative int64s take the full ten bytes, as protobuf specifies. */
    private void rawVarint(long value) {
        long v = value;
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }
}
