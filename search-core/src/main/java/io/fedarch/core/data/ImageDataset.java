package io.fedarch.core.data;

/**
 * Labelled images in memory: {@code pixels} holds {@code size()} images of
 * channels × height × width floats, row-major, already normalised for training.
 */
public record ImageDataset(float[] pixels, int[] labels, int channels, int height, int width, int classes) {

    public ImageDataset {
        if ((long) labels.length * channels * height * width != pixels.length) {
            throw new IllegalArgumentException(labels.length + " labels do not match " + pixels.length
                    + " pixel values for images of " + channels + "x" + height + "x" + width);
        }
    }

    public int size() {
        return labels.length;
    }

    public int imageSize() {
        return channels * height * width;
    }

    /** The subset at the given indices, in that order (copies the pixels). */
    public ImageDataset select(int[] indices) {
        int per = imageSize();
        float[] outPixels = new float[indices.length * per];
        int[] outLabels = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(pixels, indices[i] * per, outPixels, i * per, per);
            outLabels[i] = labels[indices[i]];
        }
        return new ImageDataset(outPixels, outLabels, channels, height, width, classes);
    }

    /** The first {@code n} samples (or all when n is larger). */
    public ImageDataset head(int n) {
        int k = Math.min(n, size());
        int[] idx = new int[k];
        for (int i = 0; i < k; i++) {
            idx[i] = i;
        }
        return select(idx);
    }
}
