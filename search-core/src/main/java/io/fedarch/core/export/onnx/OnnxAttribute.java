package io.fedarch.core.export.onnx;

/**
 * One attribute of an ONNX node (AttributeProto): an int, a float or a list of ints, the only kinds
 * the exported networks use. Field numbers and type codes are onnx.proto's.
 */
record OnnxAttribute(String name, Long intValue, Float floatValue, long[] ints) {
    private static final int NAME = 1;
    private static final int F = 2;
    private static final int I = 3;
    private static final int INTS = 8;
    private static final int TYPE = 20;
    private static final int TYPE_FLOAT = 1;
    private static final int TYPE_INT = 2;
    private static final int TYPE_INTS = 7;

    static OnnxAttribute of(String name, long value) {
        return new OnnxAttribute(name, value, null, null);
    }

    static OnnxAttribute of(String name, float value) {
        return new OnnxAttribute(name, null, value, null);
    }

    static OnnxAttribute ints(String name, long... values) {
        return new OnnxAttribute(name, null, null, values.clone());
    }

    ProtobufWriter encode() {
        ProtobufWriter w = new ProtobufWriter().string(NAME, name);
        if (intValue != null) {
            w.varint(I, intValue).varint(TYPE, TYPE_INT);
        } else if (floatValue != null) {
            w.float32(F, floatValue).varint(TYPE, TYPE_FLOAT);
        } else {
            // Unpacked, as onnx.proto (proto2) declares it; readers accept both forms.
            for (long v : ints) {
                w.varint(INTS, v);
            }
            w.varint(TYPE, TYPE_INTS);
        }
        return w;
    }
}
