package io.fedarch.core.tensor.compression;

/**
 * 8-bit quantization with one float32 scale per row (per output channel: the tensor's first
 * dimension) or one for the whole tensor: q = round(v / scale) with scale = max|v| / 127 over the
 * row, so each value is off by at most scale / 2. Rounding is deterministic (to nearest): with
 * error feedback the rounding error is sent later anyway, so stochastic rounding's unbiasedness
 * buys nothing, and deterministic rounding keeps a seeded job's bytes reproducible, so a
 * coordinator can re-encode the same broadcast after a restart.
 */
public final class Int8Quantization {
    static final int LEVELS = 127;

    private Int8Quantization() {
    }

    /** @param q signed bytes, row-major; @param scales one per row (or one for all) */
    public record Quantized(byte[] q, float[] scales) {
    }

    /** @param rows 1 for one scale per tensor, or the number of rows (values.length must be a multiple) */
    public static Quantized quantize(float[] values, int rows) {
        if (rows < 1 || values.length % rows != 0) {
            throw new IllegalArgumentException(values.length + " values do not split into " + rows + " rows");
        }
        int width = values.length / rows;
        byte[] q = new byte[values.length];
        float[] scales = new float[rows];
        for (int r = 0; r < rows; r++) {
            float max = 0;
            for (int i = r * width; i < (r + 1) * width; i++) {
                max = Math.max(max, Math.abs(values[i]));
            }
            float scale = max / LEVELS;
            scales[r] = scale;
            if (scale == 0 || !Float.isFinite(scale)) {
                continue;                                  // all zero (q stays 0), or not finite (refused by the receiver)
            }
            for (int i = r * width; i < (r + 1) * width; i++) {
                int level = Math.round(values[i] / scale);
                q[i] = (byte) Math.max(-LEVELS, Math.min(LEVELS, level));
            }
        }
        return new Quantized(q, scales);
    }

    /** v[i] = q[i] * scales[i / (n / s)]. */
    public static float[] dequantize(byte[] q, float[] scales) {
        if (scales.length < 1 || q.length % scales.length != 0) {
            throw new IllegalArgumentException(q.length + " values do not split into " + scales.length + " scales");
        }
        int width = q.length / scales.length;
        float[] values = new float[q.length];
        for (int i = 0; i < q.length; i++) {
            values[i] = q[i] * scales[i / width];
        }
        return values;
    }
}
