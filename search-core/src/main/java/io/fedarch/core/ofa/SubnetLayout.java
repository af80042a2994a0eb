package io.fedarch.core.ofa;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.fedarch.core.model.ModelFactory;

/**
 * The concrete shape of one subnet of an elastic ResNet: its stem, its active blocks (in, mid and
 * out channels, stride, kernel, output size) and its classifier input, and for every tensor it uses
 * the region of the supernet's tensor it occupies ({@link Box}: first channels, centre of the
 * kernel). One definition serves the network's forward pass, subnet extraction and insertion, the
 * server's coverage-weighted aggregation and the cost (parameters, MACs) of the subnet.
 *
 * @param stemChannels  the stem's output channels
 * @param stemSize      the stem's output height (= width)
 * @param blocks        the active blocks in execution order
 * @param lastChannels  channels into the classifier
 */
public record SubnetLayout(ElasticOptions options, SubnetConfig config, int stemChannels, int stemSize,
                           List<Block> blocks, int lastChannels) {

    /** Kernel of the stem convolution (not elastic). */
    public static final int STEM_KERNEL = 3;

    /**
     * One active residual block: conv k×k (in→mid, stride) [BN] ReLU → conv k×k (mid→out) [BN] ReLU,
     * plus the shortcut (identity, or when the stride or channels change AvgPool(stride, ceil) + 1×1
     * conv [BN]), then ReLU — the reference's "double ReLU".
     */
    public record Block(String prefix, int stage, int indexInStage, int in, int mid, int out, int stride, int kernel,
                        boolean downsample, int outSize) {
        /** Multiply–accumulates of its convolutions for one image (pooling and sums not counted). */
        public long macs() {
            long pixels = (long) outSize * outSize;
            long k2 = (long) kernel * kernel;
            return pixels * k2 * ((long) mid * in + (long) out * mid) + (downsample ? pixels * out * in : 0);
        }
    }

    /** A region [from, to) of a tensor, dimension by dimension. */
    public record Box(int[] from, int[] to) {
        public int[] extent() {
            int[] e = new int[from.length];
            for (int i = 0; i < e.length; i++) {
                e[i] = to[i] - from[i];
            }
            return e;
        }

        /** Calls {@code action} with the flat (row-major) offset of every element of this box in a tensor of {@code shape}. */
        public void forEachOffset(int[] shape, java.util.function.IntConsumer action) {
            int dims = shape.length;
            int[] stride = new int[dims];
            stride[dims - 1] = 1;
            for (int d = dims - 2; d >= 0; d--) {
                stride[d] = stride[d + 1] * shape[d + 1];
            }
            int[] extent = extent();
            if (size() == 0) {
                return;
            }
            int[] at = new int[dims];
            while (true) {
                int offset = 0;
                for (int d = 0; d < dims; d++) {
                    offset += (from[d] + at[d]) * stride[d];
                }
                action.accept(offset);
                int d = dims - 1;
                while (d >= 0 && ++at[d] == extent[d]) {
                    at[d] = 0;
                    d--;
                }
                if (d < 0) {
                    return;
                }
            }
        }

        public long size() {
            long n = 1;
            for (int e : extent()) {
                n *= e;
            }
            return n;
        }
    }

    public static SubnetLayout of(ElasticOptions o, SubnetConfig c) {
        c.requireValid(o);
        double m = o.widthMultipliers()[c.width()];
        int stem = ElasticOptions.scaled(o.stemChannels(), m);
        int size = strided(o.inputHeight(), o.stemStride());
        int stemSize = size;
        List<Block> blocks = new ArrayList<>();
        int in = stem;
        for (int s = 0; s < ElasticOptions.STAGES; s++) {
            int out = ElasticOptions.scaled(o.widths()[s], m);
            for (int b = 0; b <= c.extraBlocks()[s]; b++) {
                int index = s * o.blocksPerStage() + b;
                int stride = b == 0 ? ElasticOptions.STAGE_STRIDES[s] : 1;
                size = strided(size, stride);
                int mid = ElasticOptions.mid(out, o.expands()[c.expands()[index]]);
                blocks.add(new Block(blockPrefix(s, b), s, b, in, mid, out, stride, o.kernels()[c.kernels()[index]],
                        downsample(o, s, b), size));
                in = out;
            }
        }
        return new SubnetLayout(o, c, stem, stemSize, List.copyOf(blocks), in);
    }

    /** Parameter prefix of block {@code b} of stage {@code s}. */
    static String blockPrefix(int s, int b) {
        return "stages." + s + ".blocks." + b;
    }

    /**
     * Whether the block has a projection shortcut. Decided by the space, not the subnet, so every
     * subnet has the same tensors: a stage's first block when it strides or its channels change.
     */
    static boolean downsample(ElasticOptions o, int stage, int indexInStage) {
        if (indexInStage > 0) {
            return false;
        }
        int inBase = stage == 0 ? o.stemChannels() : o.widths()[stage - 1];
        return ElasticOptions.STAGE_STRIDES[stage] != 1 || inBase != o.widths()[stage];
    }

    /**
     * Every tensor this subnet uses and its region inside a network whose blocks hold kernels of
     * {@code kernelCapacity} (the supernet's largest; a standalone subnet's own kernel gives offset 0).
     * In the order the network registers its parameters.
     */
    public Map<String, Box> boxes(java.util.function.IntUnaryOperator kernelCapacity) {
        Map<String, Box> out = new LinkedHashMap<>();
        out.put("stem.conv.weight", box(new int[] {stemChannels, options.inputChannels(), STEM_KERNEL, STEM_KERNEL}, 0));
        norm(out, "stem.bn", stemChannels);
        for (Block b : blocks) {
            int offset = (kernelCapacity.applyAsInt(globalIndex(b)) - b.kernel()) / 2;
            out.put(b.prefix() + ".conv1.weight", box(new int[] {b.mid(), b.in(), b.kernel(), b.kernel()}, offset));
            norm(out, b.prefix() + ".bn1", b.mid());
            out.put(b.prefix() + ".conv2.weight", box(new int[] {b.out(), b.mid(), b.kernel(), b.kernel()}, offset));
            norm(out, b.prefix() + ".bn2", b.out());
            if (b.downsample()) {
                out.put(b.prefix() + ".shortcut.conv.weight", box(new int[] {b.out(), b.in(), 1, 1}, 0));
                norm(out, b.prefix() + ".shortcut.bn", b.out());
            }
        }
        out.put("classifier.weight", box(new int[] {ModelFactory.CLASSES, lastChannels}, 0));
        out.put("classifier.bias", box(new int[] {ModelFactory.CLASSES}, 0));
        return out;
    }

    /** Regions inside the supernet (kernels of the space's largest size). */
    public Map<String, Box> supernetBoxes() {
        int largest = options.kernels()[options.kernels().length - 1];
        return boxes(i -> largest);
    }

    /** The index of a block over the supernet's blocks. */
    int globalIndex(Block b) {
        return b.stage() * options.blocksPerStage() + b.indexInStage();
    }

    private void norm(Map<String, Box> out, String prefix, int channels) {
        if (!options.batchNorm()) {
            return;
        }
        for (String name : new String[] {".weight", ".bias", ".running_mean", ".running_var"}) {
            out.put(prefix + name, box(new int[] {channels}, 0));
        }
    }

    /** A box of {@code extent} from the origin, with the last two dimensions of a 4-d kernel shifted by {@code offset}. */
    private static Box box(int[] extent, int offset) {
        int[] from = new int[extent.length];
        if (extent.length == 4) {
            from[2] = offset;
            from[3] = offset;
        }
        int[] to = new int[extent.length];
        for (int i = 0; i < to.length; i++) {
            to[i] = from[i] + extent[i];
        }
        return new Box(from, to);
    }

    /** Parameters of the standalone subnet (BN running statistics included when BN is on). */
    public long parameters() {
        return supernetBoxes().values().stream().mapToLong(Box::size).sum();
    }

    /** Multiply–accumulates of one forward pass of one image: convolutions and the classifier. */
    public long macs() {
        return stemMacs() + blocks.stream().mapToLong(Block::macs).sum() + classifierMacs();
    }

    public long stemMacs() {
        return (long) stemChannels * options.inputChannels() * STEM_KERNEL * STEM_KERNEL * stemSize * stemSize;
    }

    public long classifierMacs() {
        return (long) lastChannels * ModelFactory.CLASSES;
    }

    /** FP32 bytes of the subnet's tensors: what a subnet-only link would carry one way. */
    public long bytes() {
        return 4 * parameters();
    }

    /** Output size of a 3×3-style window with "same" padding at {@code stride}: ⌈size/stride⌉. */
    static int strided(int size, int stride) {
        return (size + stride - 1) / stride;
    }
}
