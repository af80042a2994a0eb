package io.fedarch.core.tensor;

import java.util.Arrays;

/** One parameter tensor in memory: a name, a row-major shape and its fp32 values. */
public record NamedTensor(String name, int[] shape, float[] values) {

    public NamedTensor {
        long expected = elementCount(shape);
        if (expected != values.length) {
            throw new IllegalArgumentException("tensor '" + name + "' has shape " + Arrays.toString(shape)
                    + " (" + expected + " elements) but " + values.length + " values");
        }
    }

    public static long elementCount(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n *= d;
        }
        return n;
    }

    public int size() {
        return values.length;
    }

    public NamedTensor copy() {
        return new NamedTensor(name, shape.clone(), values.clone());
    }

    public boolean sameShape(NamedTensor other) {
        return Arrays.equals(shape, other.shape);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
