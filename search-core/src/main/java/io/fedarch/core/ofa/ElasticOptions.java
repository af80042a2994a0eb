package io.fedarch.core.ofa;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The elastic ResNet space ({@code ofa-resnet}), parsed from {@code ModelSpec.options}: SuperFedNAS's
 * reference topology (an OFA ResNet: a 3×3 stem, 4 stages of basic residual blocks at strides
 * 1/2/2/2, global average pooling, a linear classifier) sized for 1×28×28 inputs. Elastic per
 * subnet: the extra blocks of each stage (0..maxExtraBlocks beyond the first), the expand ratio of
 * each block (mid channels = round(out·e)), and as options the kernel of each block and one width
 * multiplier of the whole network (the paper names them; the reference fixes them at 3 and 1.0).
 * Channel slicing takes the first channels, a smaller kernel the centre of the largest.
 *
 * @param stemChannels     output channels of the stem at width multiplier 1
 * @param stemStride       stride of the stem convolution
 * @param widths           output channels of the 4 stages at width multiplier 1
 * @param expands          expand ratio choices of every block, ascending
 * @param maxExtraBlocks   blocks a stage may add to its first one
 * @param kernels          kernel size choices of every block (odd, ascending)
 * @param widthMultipliers width multiplier choices of the network, ascending
 * @param batchNorm        real batch normalisation after every convolution; false (the reference's
 *                         default) makes BN an identity, so the network has none
 * @param inputChannels    channels of the input images (the spec's inputShape, not an option)
 * @param inputHeight      their height
 * @param inputWidth       their width
 */
public record ElasticOptions(int stemChannels, int stemStride, int[] widths, double[] expands, int maxExtraBlocks,
                             int[] kernels, double[] widthMultipliers, boolean batchNorm, int inputChannels,
                             int inputHeight, int inputWidth) {
    public static final int STAGES = 4;
    /** Widest stage or stem a job may ask for (a 4096-channel stage is already a 150 M-parameter supernet). */
    static final int MAX_CHANNELS = 4096;
    static final int[] STAGE_STRIDES = {1, 2, 2, 2};
    /**
     * The spec's "ofa-resnet mini": widths 8/16/32/64 and the reference's ratios ×4, so the smallest
     * subnet costs 1.37 M MACs and the largest 11.06 M (the reference's spread is 7.4×, this 8.1×).
     */
    public static final ElasticOptions DEFAULTS = new ElasticOptions(8, 1, new int[] {8, 16, 32, 64},
            new double[] {0.4, 0.56, 0.72, 0.88, 1.0}, 2, new int[] {3}, new double[] {1.0}, false, 1, 28, 28);
    public static final Set<String> KEYS = Set.of("stemChannels", "stemStride", "widths", "expands", "maxExtraBlocks",
            "kernels", "widthMultipliers", "bn");

    public ElasticOptions {
        require(stemChannels >= 1 && stemChannels <= MAX_CHANNELS, "stemChannels must be in 1.." + MAX_CHANNELS);
        require(stemStride == 1 || stemStride == 2, "stemStride must be 1 or 2");
        require(widths.length == STAGES && Arrays.stream(widths).allMatch(w -> w >= 1 && w <= MAX_CHANNELS),
                "widths must be " + STAGES + " channel counts in 1.." + MAX_CHANNELS);
        require(expands.length >= 1 && ascending(expands) && expands[0] > 0 && expands[expands.length - 1] <= 4,
                "expands must be ascending ratios in (0, 4]");
        require(maxExtraBlocks >= 0 && maxExtraBlocks <= 4, "maxExtraBlocks must be in 0..4");
        require(kernels.length >= 1 && Arrays.stream(kernels).allMatch(k -> k % 2 == 1 && k >= 1 && k <= 7)
                && ascending(Arrays.stream(kernels).asDoubleStream().toArray()), "kernels must be ascending odd sizes in 1..7");
        require(widthMultipliers.length >= 1 && ascending(widthMultipliers) && widthMultipliers[0] > 0
                && widthMultipliers[widthMultipliers.length - 1] <= 4, "widthMultipliers must be ascending in (0, 4]");
        widths = widths.clone();
        expands = expands.clone();
        kernels = kernels.clone();
        widthMultipliers = widthMultipliers.clone();
    }

    /** Blocks of one stage in the supernet. */
    public int blocksPerStage() {
        return 1 + maxExtraBlocks;
    }

    /** Blocks of the supernet: every stage's, in order. */
    public int blocks() {
        return STAGES * blocksPerStage();
    }

    /** {@code channels} at width multiplier {@code m}: at least one. */
    static int scaled(int channels, double m) {
        return Math.max(1, (int) Math.round(channels * m));
    }

    /** Mid channels of a block with {@code out} output channels at expand ratio {@code e}. */
    static int mid(int out, double e) {
        return Math.max(1, (int) Math.round(out * e));
    }

    /**
     * Defaults overridden by the given options.
     *
     * @throws IllegalArgumentException on unknown keys or unparsable values, listing the valid keys
     */
    public static ElasticOptions parse(Map<String, String> options) {
        ElasticOptions d = DEFAULTS;
        int stemChannels = d.stemChannels;
        int stemStride = d.stemStride;
        int[] widths = d.widths;
        double[] expands = d.expands;
        int maxExtra = d.maxExtraBlocks;
        int[] kernels = d.kernels;
        double[] multipliers = d.widthMultipliers;
        boolean bn = d.batchNorm;
        if (options != null) {
            for (Map.Entry<String, String> e : options.entrySet()) {
                String value = e.getValue() == null ? "" : e.getValue().trim();
                try {
                    switch (e.getKey()) {
                        case "stemChannels" -> stemChannels = Integer.parseInt(value);
                        case "stemStride" -> stemStride = Integer.parseInt(value);
                        case "widths" -> widths = ints(value);
                        case "expands" -> expands = doubles(value);
                        case "maxExtraBlocks" -> maxExtra = Integer.parseInt(value);
                        case "kernels" -> kernels = ints(value);
                        case "widthMultipliers" -> multipliers = doubles(value);
                        case "bn" -> {
                            if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
                                throw new IllegalArgumentException("ofa-resnet option bn must be true or false, got '"
                                        + value + "'");
                            }
                            bn = Boolean.parseBoolean(value.toLowerCase(Locale.ROOT));
                        }
                        case ElasticSubnetFamily.ARCHITECTURE -> {
                            // The standalone subnet family's own key; its family checks it.
                        }
                        default -> throw new IllegalArgumentException("unknown ofa-resnet option '" + e.getKey()
                                + "'; valid options: " + new TreeSet<>(KEYS));
                    }
                } catch (NumberFormatException nfe) {
                    throw new IllegalArgumentException("ofa-resnet option " + e.getKey() + "='" + e.getValue()
                            + "' is not a number or a comma-separated list of numbers", nfe);
                }
            }
        }
        try {
            return new ElasticOptions(stemChannels, stemStride, widths, expands, maxExtra, kernels, multipliers, bn,
                    DEFAULTS.inputChannels, DEFAULTS.inputHeight, DEFAULTS.inputWidth);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ofa-resnet option " + e.getMessage(), e);
        }
    }

    private static int[] ints(String value) {
        return Arrays.stream(value.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
    }

    private static double[] doubles(String value) {
        return Arrays.stream(value.split(",")).map(String::trim).mapToDouble(Double::parseDouble).toArray();
    }

    private static boolean ascending(double[] values) {
        for (int i = 1; i < values.length; i++) {
            if (!(values[i] > values[i - 1])) {
                return false;
            }
        }
        return true;
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ElasticOptions other && stemChannels == other.stemChannels && stemStride == other.stemStride
                && Arrays.equals(widths, other.widths) && Arrays.equals(expands, other.expands)
                && maxExtraBlocks == other.maxExtraBlocks && Arrays.equals(kernels, other.kernels)
                && Arrays.equals(widthMultipliers, other.widthMultipliers) && batchNorm == other.batchNorm
                && inputChannels == other.inputChannels && inputHeight == other.inputHeight
                && inputWidth == other.inputWidth;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(new Object[] {stemChannels, stemStride, Arrays.hashCode(widths), Arrays.hashCode(expands),
                maxExtraBlocks, Arrays.hashCode(kernels), Arrays.hashCode(widthMultipliers), batchNorm, inputChannels,
                inputHeight, inputWidth});
    }

    /** These options for images of {@code input}'s shape (parsed options are for 1×28×28). */
    public ElasticOptions withInput(io.fedarch.events.InputShape input) {
        return new ElasticOptions(stemChannels, stemStride, widths, expands, maxExtraBlocks, kernels, widthMultipliers,
                batchNorm, input.getChannels(), input.getHeight(), input.getWidth());
    }

    @Override
    public String toString() {
        return "ElasticOptions[stem=" + stemChannels + "/" + stemStride + ", widths=" + Arrays.toString(widths)
                + ", expands=" + Arrays.toString(expands) + ", maxExtraBlocks=" + maxExtraBlocks + ", kernels="
                + Arrays.toString(kernels) + ", widthMultipliers=" + Arrays.toString(widthMultipliers) + ", bn="
                + batchNorm + "]";
    }
}
