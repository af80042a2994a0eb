package io.fedarch.core.ofa;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * One subnet of the elastic ResNet space, as indices into its {@link ElasticOptions} choices: the
 * extra blocks of every stage, and per supernet block (active or not, as the reference keeps them)
 * an expand ratio and a kernel, plus one width multiplier. Its compact text form
 * {@code d=1,1,1,1;e=2,2,…;k=0,…;w=0} travels in round configs and names candidates; its metric
 * form ({@code arch.d.0}, {@code arch.e.5}, …) is what a client echoes with the subnet it trained.
 */
public record SubnetConfig(int[] extraBlocks, int[] expands, int[] kernels, int width) {
    /** Prefix of the metric form ({@code ClientMetrics.custom}). */
    public static final String METRIC_PREFIX = "arch.";

    public SubnetConfig {
        extraBlocks = extraBlocks.clone();
        expands = expands.clone();
        kernels = kernels.clone();
    }

    /** The largest subnet: every block, the largest ratio, kernel and width (it covers the whole supernet). */
    public static SubnetConfig largest(ElasticOptions o) {
        return uniform(o, o.maxExtraBlocks(), o.expands().length - 1, o.kernels().length - 1,
                o.widthMultipliers().length - 1);
    }

    /** The smallest subnet: one block per stage, the smallest ratio, kernel and width. */
    public static SubnetConfig smallest(ElasticOptions o) {
        return uniform(o, 0, 0, 0, 0);
    }

    /** The same depth, ratio and kernel everywhere. */
    public static SubnetConfig uniform(ElasticOptions o, int extra, int expand, int kernel, int width) {
        int[] d = new int[ElasticOptions.STAGES];
        Arrays.fill(d, extra);
        int[] e = new int[o.blocks()];
        Arrays.fill(e, expand);
        int[] k = new int[o.blocks()];
        Arrays.fill(k, kernel);
        return new SubnetConfig(d, e, k, width);
    }

    /** Every gene drawn uniformly from its choices (the reference's random sampler). */
    public static SubnetConfig random(ElasticOptions o, Random random) {
        int[] d = new int[ElasticOptions.STAGES];
        for (int s = 0; s < d.length; s++) {
            d[s] = random.nextInt(o.maxExtraBlocks() + 1);
        }
        int[] e = new int[o.blocks()];
        int[] k = new int[o.blocks()];
        for (int b = 0; b < e.length; b++) {
            e[b] = random.nextInt(o.expands().length);
            k[b] = random.nextInt(o.kernels().length);
        }
        return new SubnetConfig(d, e, k, random.nextInt(o.widthMultipliers().length));
    }

    /**
     * The canonical subnets of the Pareto table: {@code count} points from the smallest to the largest,
     * stage depths and ratio indices spread evenly between them (for the default space the spec's
     * d=[0,0,0,0] e=0.4 … d=[2,2,2,2] e=1.0).
     */
    public static List<SubnetConfig> canonical(ElasticOptions o, int count) {
        List<SubnetConfig> out = new ArrayList<>();
        int ratios = o.expands().length;
        for (int i = 0; i < count; i++) {
            double t = count == 1 ? 1 : (double) i / (count - 1);
            int expand = (int) Math.round(t * (ratios - 1));
            int kernel = (int) Math.round(t * (o.kernels().length - 1));
            int width = (int) Math.round(t * (o.widthMultipliers().length - 1));
            int[] d = new int[ElasticOptions.STAGES];
            double depth = t * o.maxExtraBlocks();
            for (int s = 0; s < d.length; s++) {
                // Odd stages go deeper first (the spec's d=[0,1,0,1] and [1,2,1,2] between the uniform ones).
                d[s] = (int) Math.min(o.maxExtraBlocks(), s % 2 == 1 ? Math.ceil(depth - 1e-9) : Math.floor(depth + 1e-9));
            }
            int[] e = new int[o.blocks()];
            Arrays.fill(e, expand);
            int[] k = new int[o.blocks()];
            Arrays.fill(k, kernel);
            SubnetConfig c = new SubnetConfig(d, e, k, width);
            if (out.stream().noneMatch(c::sameSubnet)) {
                out.add(c);
            }
        }
        return out;
    }

    /** Whether block {@code index} (over the supernet's blocks) runs in this subnet. */
    public boolean active(ElasticOptions o, int index) {
        return index % o.blocksPerStage() <= extraBlocks[index / o.blocksPerStage()];
    }

    /** The same subnet with the genes of inactive blocks zeroed: equal networks give equal keys. */
    public SubnetConfig normalized(ElasticOptions o) {
        int[] e = expands.clone();
        int[] k = kernels.clone();
        for (int b = 0; b < e.length; b++) {
            if (!active(o, b)) {
                e[b] = 0;
                k[b] = 0;
            }
        }
        return new SubnetConfig(extraBlocks, e, k, width);
    }

    /** Whether both describe the same network (genes of inactive blocks aside); needs equal gene counts. */
    public boolean sameSubnet(SubnetConfig other) {
        if (other.expands.length != expands.length || !Arrays.equals(extraBlocks, other.extraBlocks) || width != other.width) {
            return false;
        }
        int perStage = expands.length / ElasticOptions.STAGES;
        for (int b = 0; b < expands.length; b++) {
            if (b % perStage <= extraBlocks[b / perStage] && (expands[b] != other.expands[b] || kernels[b] != other.kernels[b])) {
                return false;
            }
        }
        return true;
    }

    /**
     * Checks the indices against the options.
     *
     * @throws IllegalArgumentException naming the gene out of range
     */
    public SubnetConfig requireValid(ElasticOptions o) {
        if (extraBlocks.length != ElasticOptions.STAGES || expands.length != o.blocks() || kernels.length != o.blocks()) {
            throw new IllegalArgumentException("a subnet of this space has " + ElasticOptions.STAGES + " depths and "
                    + o.blocks() + " ratios and kernels (got " + extraBlocks.length + ", " + expands.length + ", "
                    + kernels.length + ")");
        }
        for (int d : extraBlocks) {
            check(d, o.maxExtraBlocks() + 1, "extra blocks");
        }
        for (int e : expands) {
            check(e, o.expands().length, "expand ratio index");
        }
        for (int k : kernels) {
            check(k, o.kernels().length, "kernel index");
        }
        check(width, o.widthMultipliers().length, "width multiplier index");
        return this;
    }

    private static void check(int value, int choices, String what) {
        if (value < 0 || value >= choices) {
            throw new IllegalArgumentException(what + " " + value + " is outside 0.." + (choices - 1));
        }
    }

    /** {@code d=…;e=…;k=…;w=…}. */
    public String encode() {
        return "d=" + join(extraBlocks) + ";e=" + join(expands) + ";k=" + join(kernels) + ";w=" + width;
    }

    /**
     * The compact form back.
     *
     * @throws IllegalArgumentException when malformed
     */
    public static SubnetConfig decode(String text) {
        Map<String, String> parts = new HashMap<>();
        for (String part : text.trim().split(";")) {
            String[] kv = part.split("=", 2);
            if (kv.length != 2) {
                throw new IllegalArgumentException("subnet '" + text + "' is not of the form d=..;e=..;k=..;w=..");
            }
            parts.put(kv[0].trim(), kv[1].trim());
        }
        try {
            return new SubnetConfig(ints(require(parts, "d", text)), ints(require(parts, "e", text)),
                    ints(require(parts, "k", text)), Integer.parseInt(require(parts, "w", text)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("subnet '" + text + "' has a gene that is not a whole number", e);
        }
    }

    private static String require(Map<String, String> parts, String key, String text) {
        String value = parts.get(key);
        if (value == null) {
            throw new IllegalArgumentException("subnet '" + text + "' lacks '" + key + "='");
        }
        return value;
    }

    /** The metric form a client echoes: {@code arch.d.<stage>}, {@code arch.e.<block>}, {@code arch.k.<block>}, {@code arch.w}. */
    public Map<String, Double> toMetrics() {
        Map<String, Double> out = new HashMap<>();
        for (int s = 0; s < extraBlocks.length; s++) {
            out.put(METRIC_PREFIX + "d." + s, (double) extraBlocks[s]);
        }
        for (int b = 0; b < expands.length; b++) {
            out.put(METRIC_PREFIX + "e." + b, (double) expands[b]);
            out.put(METRIC_PREFIX + "k." + b, (double) kernels[b]);
        }
        out.put(METRIC_PREFIX + "w", (double) width);
        return out;
    }

    /**
     * The subnet a client echoed.
     *
     * @throws IllegalArgumentException when a gene is missing, fractional or out of range
     */
    public static SubnetConfig fromMetrics(ElasticOptions o, Map<String, Double> metrics) {
        int[] d = new int[ElasticOptions.STAGES];
        for (int s = 0; s < d.length; s++) {
            d[s] = gene(metrics, "d." + s);
        }
        int[] e = new int[o.blocks()];
        int[] k = new int[o.blocks()];
        for (int b = 0; b < e.length; b++) {
            e[b] = gene(metrics, "e." + b);
            k[b] = gene(metrics, "k." + b);
        }
        return new SubnetConfig(d, e, k, gene(metrics, "w")).requireValid(o);
    }

    private static int gene(Map<String, Double> metrics, String name) {
        Double v = metrics == null ? null : metrics.get(METRIC_PREFIX + name);
        if (v == null || v != Math.rint(v)) {
            throw new IllegalArgumentException("the report lacks a whole-number " + METRIC_PREFIX + name);
        }
        return v.intValue();
    }

    /** The subnet in the space's own terms: blocks per stage, and per active block its ratio and kernel. */
    public String toJson(ElasticOptions o) {
        StringBuilder ratios = new StringBuilder();
        StringBuilder ks = new StringBuilder();
        for (int b = 0; b < expands.length; b++) {
            if (active(o, b)) {
                ratios.append(ratios.length() == 0 ? "" : ",").append(o.expands()[expands[b]]);
                ks.append(ks.length() == 0 ? "" : ",").append(o.kernels()[kernels[b]]);
            }
        }
        int[] depths = Arrays.stream(extraBlocks).map(d -> d + 1).toArray();
        return "{\"space\":\"ofa-resnet\",\"blocksPerStage\":" + Arrays.toString(depths).replace(" ", "")
                + ",\"expandRatios\":[" + ratios + "],\"kernels\":[" + ks + "],\"widthMultiplier\":"
                + o.widthMultipliers()[width] + ",\"encoding\":\"" + encode() + "\"}";
    }

    private static String join(int[] values) {
        StringBuilder b = new StringBuilder();
        for (int v : values) {
            b.append(b.length() == 0 ? "" : ",").append(v);
        }
        return b.toString();
    }

    private static int[] ints(String value) {
        return Arrays.stream(value.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SubnetConfig c && Arrays.equals(extraBlocks, c.extraBlocks) && Arrays.equals(expands, c.expands)
                && Arrays.equals(kernels, c.kernels) && width == c.width;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(extraBlocks) * 31 * 31 + Arrays.hashCode(expands) * 31 + Arrays.hashCode(kernels) + width;
    }

    @Override
    public String toString() {
        return encode();
    }
}
