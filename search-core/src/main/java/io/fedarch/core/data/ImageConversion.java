package io.fedarch.core.data;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;

/**
 * Turns a decoded image of any size and channel count into a {@code channels × height × width}
 * tensor of [0,1] values: grey is replicated to RGB, RGB becomes grey by its luminance
 * (0.299 R + 0.587 G + 0.114 B), alpha is dropped, then each channel is resized bilinearly with
 * pixel centres aligned (an image already at the target size is copied unchanged).
 */
public final class ImageConversion {
    private ImageConversion() {
    }

    /**
     * @param channels 1 or 3
     * @return channel-major [0,1] values
     */
    public static float[] toTensor(BufferedImage image, int channels, int height, int width) {
        float[][] source = planes(image, channels);
        int sourceHeight = image.getHeight();
        int sourceWidth = image.getWidth();
        float[] out = new float[channels * height * width];
        for (int c = 0; c < channels; c++) {
            resize(source[c], sourceHeight, sourceWidth, out, c * height * width, height, width);
        }
        return out;
    }

    /** The image's values as {@code channels} planes of [0,1] values at its own size. */
    private static float[][] planes(BufferedImage image, int channels) {
        int h = image.getHeight();
        int w = image.getWidth();
        float[][] planes = new float[channels][h * w];
        if (image.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
            // Read grey levels from the raster: getRGB would pass them through a gamma curve.
            Raster raster = image.getRaster();
            float max = (1 << raster.getSampleModel().getSampleSize(0)) - 1;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float v = raster.getSample(x, y, 0) / max;
                    for (int c = 0; c < channels; c++) {
                        planes[c][y * w + x] = v;
                    }
                }
            }
            return planes;
        }
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int argb = image.getRGB(x, y);
                float r = ((argb >> 16) & 0xff) / 255f;
                float g = ((argb >> 8) & 0xff) / 255f;
                float b = (argb & 0xff) / 255f;
                if (channels == 1) {
                    planes[0][y * w + x] = 0.299f * r + 0.587f * g + 0.114f * b;
                } else {
                    planes[0][y * w + x] = r;
                    planes[1][y * w + x] = g;
                    planes[2][y * w + x] = b;
                }
            }
        }
        return planes;
    }

    /** Bilinear resize of one plane, sampling at the target pixels' centres mapped into the source. */
    static void resize(float[] source, int sourceHeight, int sourceWidth, float[] target, int offset,
            int height, int width) {
        float scaleY = (float) sourceHeight / height;
        float scaleX = (float) sourceWidth / width;
        for (int y = 0; y < height; y++) {
            float sy = Math.max(0f, Math.min(sourceHeight - 1f, (y + 0.5f) * scaleY - 0.5f));
            int y0 = (int) sy;
            int y1 = Math.min(y0 + 1, sourceHeight - 1);
            float fy = sy - y0;
            for (int x = 0; x < width; x++) {
                float sx = Math.max(0f, Math.min(sourceWidth - 1f, (x + 0.5f) * scaleX - 0.5f));
                int x0 = (int) sx;
                int x1 = Math.min(x0 + 1, sourceWidth - 1);
                float fx = sx - x0;
                float top = source[y0 * sourceWidth + x0] * (1 - fx) + source[y0 * sourceWidth + x1] * fx;
                float bottom = source[y1 * sourceWidth + x0] * (1 - fx) + source[y1 * sourceWidth + x1] * fx;
                target[offset + y * width + x] = top * (1 - fy) + bottom * fy;
            }
        }
    }
}
