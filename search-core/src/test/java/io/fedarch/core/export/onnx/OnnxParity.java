package io.fedarch.core.export.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.fedarch.core.data.FashionMnist;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.model.BlockParameters;
import io.fedarch.core.model.Engines;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.events.ModelSpec;

/**
 * Runs one network on real Fashion-MNIST test images twice — in DJL (inference mode) and, exported,
 * in ONNX Runtime — and compares the logits.
 */
final class OnnxParity {
    static final double TOLERANCE = 1e-4;
    static final int IMAGES = 64;

    /** What one comparison measured. */
    record Result(double maxAbsDifference, int images, int agreeingArgmax) {
    }

    private OnnxParity() {
    }

    /**
     * Gives every batch-norm layer non-trivial statistics and affine parameters (a fresh network's are
     * mean 0, variance 1, scale 1, shift 0, under which a wrong BN export would still pass).
     */
    static ModelParameters withRandomNormStatistics(ModelParameters parameters, long seed) {
        Random random = new Random(seed);
        List<NamedTensor> out = new ArrayList<>();
        for (NamedTensor t : parameters.tensors()) {
            float[] v = t.values().clone();
            String n = t.name();
            // A batch-norm layer's tensors sit under a "bn", "bn1", ... segment: stem.bn.weight, x.bn2.running_var.
            boolean norm = n.matches(".*(^|\\.)bn[0-9]*\\.[a-z_]+$");
            for (int i = 0; i < v.length; i++) {
                if (norm && n.endsWith("running_mean") || norm && n.endsWith(".bias")) {
                    v[i] = (float) (random.nextGaussian() * 0.2);
                } else if (norm && (n.endsWith("running_var") || n.endsWith(".weight"))) {
                    v[i] = 0.5f + random.nextFloat();
                }
            }
            out.add(new NamedTensor(n, t.shape(), v));
        }
        return new ModelParameters(out);
    }

    /** Exports the network, runs both on the first {@value #IMAGES} test images and asserts equal logits. */
    static Result assertSameLogits(ModelSpec spec, ModelParameters parameters) throws OrtException {
        return assertSameLogits(spec, parameters,
                FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TEST, IMAGES));
    }

    /** As above on {@code images}, which must have the spec's input shape. */
    static Result assertSameLogits(ModelSpec spec, ModelParameters parameters, ImageDataset images)
            throws OrtException {
        return assertSameLogits(spec, parameters, OnnxExport.export(spec, parameters), block -> { }, images);
    }

    /**
     * Runs {@code model} (an export of the network) against the DJL network after {@code configure}
     * (e.g. a supernet's relaxation) on the first {@value #IMAGES} test images and asserts equal logits.
     */
    static Result assertSameLogits(ModelSpec spec, ModelParameters parameters, byte[] model, Consumer<Block> configure)
            throws OrtException {
        return assertSameLogits(spec, parameters, model, configure,
                FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TEST, IMAGES));
    }

    private static Result assertSameLogits(ModelSpec spec, ModelParameters parameters, byte[] model,
                                           Consumer<Block> configure, ImageDataset images) throws OrtException {
        float[][] djl = djlLogits(spec, parameters, images, configure);
        float[][] onnx = onnxLogits(model, images);
        assertEquals(djl.length, onnx.length);
        double max = 0;
        int agreeing = 0;
        for (int i = 0; i < djl.length; i++) {
            assertEquals(ModelFactory.CLASSES, onnx[i].length);
            for (int c = 0; c < djl[i].length; c++) {
                max = Math.max(max, Math.abs(djl[i][c] - onnx[i][c]));
            }
            agreeing += argmax(djl[i]) == argmax(onnx[i]) ? 1 : 0;
        }
        System.out.printf("ONNX parity %s: max |logit difference| %.3g over %d images, argmax agrees on %d%n",
                spec.getFamily(), max, djl.length, agreeing);
        assertTrue(max <= TOLERANCE, spec.getFamily() + ": max |logit difference| " + max + " > " + TOLERANCE);
        assertEquals(djl.length, agreeing, "argmax differs on some images");
        return new Result(max, djl.length, agreeing);
    }

    static float[][] djlLogits(ModelSpec spec, ModelParameters parameters, ImageDataset images,
                               Consumer<Block> configure) {
        try (NDManager manager = Engines.newManager()) {
            Block block = ModelFactory.buildAllocated(spec, manager);
            BlockParameters.load(block, parameters);
            configure.accept(block);
            NDArray x = manager.create(images.pixels(), ModelFactory.inputShape(spec, images.size()));
            NDArray logits = block.forward(new ParameterStore(manager, false), new NDList(x), false).singletonOrThrow();
            float[] flat = logits.toFloatArray();
            int classes = (int) logits.getShape().get(1);
            float[][] rows = new float[images.size()][classes];
            for (int i = 0; i < rows.length; i++) {
                System.arraycopy(flat, i * classes, rows[i], 0, classes);
            }
            return rows;
        }
    }

    static float[][] onnxLogits(byte[] model, ImageDataset images) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
             OrtSession session = env.createSession(model, options);
             OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(images.pixels()),
                     new long[] {images.size(), images.channels(), images.height(), images.width()});
             OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, input))) {
            return (float[][]) result.get(OnnxExport.OUTPUT).orElseThrow().getValue();
        }
    }

    private static int argmax(float[] row) {
        int best = 0;
        for (int i = 1; i < row.length; i++) {
            if (row[i] > row[best]) {
                best = i;
            }
        }
        return best;
    }
}
