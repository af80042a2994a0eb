package io.fedarch.core.tensor.compression;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import io.fedarch.core.model.ModelInitializer;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.events.DType;
import io.fedarch.events.ModelSpec;
import io.fedarch.events.ModelState;
import io.fedarch.events.Tensor;
import io.fedarch.events.TensorEncoding;
import io.fedarch.events.UpdateCodec;
import io.fedarch.events.UpdateCompression;

/** The codecs of compressed model state: round trips within their error, and error feedback that loses nothing. */
class WireCompressionTest {
    private static final UpdateCompression INT8 = UpdateCompression.newBuilder().setUplink(UpdateCodec.INT8)
            .setDownlink(UpdateCodec.INT8).build();
    private static final UpdateCompression TOPK = UpdateCompression.newBuilder().setUplink(UpdateCodec.TOPK)
            .setDownlink(UpdateCodec.INT8).setTopKFraction(0.1).build();

    private static float[] gaussian(int n, long seed, double sigma) {
        Random random = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (sigma * random.nextGaussian());
        }
        return v;
    }

    /** A conv weight (rows = output channels of different ranges), a bias, α and a BN statistic. */
    private static ModelParameters model(long seed) {
        float[] conv = gaussian(8 * 3 * 3 * 3, seed, 0.1);
        for (int i = 0; i < conv.length; i++) {
            conv[i] *= 1 + i / 27;                         // output channel c spans (c + 1) times channel 0's range
        }
        return new ModelParameters(List.of(
                new NamedTensor("conv.weight", new int[] {8, 3, 3, 3}, conv),
                new NamedTensor("conv.bias", new int[] {8}, gaussian(8, seed + 1, 0.1)),
                new NamedTensor("alpha.normal", new int[] {14, 8}, gaussian(112, seed + 2, 1e-3)),
                new NamedTensor("bn.running_var", new int[] {64}, gaussian(64, seed + 3, 1)),
                new NamedTensor("fc.weight", new int[] {10, 40}, gaussian(400, seed + 4, 0.05))));
    }

    @Test
    void int8RoundTripIsWithinHalfAStepOfEachOutputChannel() {
        float[] values = model(1).get("conv.weight").values();
        Int8Quantization.Quantized q = Int8Quantization.quantize(values, 8);
        float[] back = Int8Quantization.dequantize(q.q(), q.scales());
        for (int row = 0; row < 8; row++) {
            float max = 0;
            for (int i = row * 27; i < (row + 1) * 27; i++) {
                max = Math.max(max, Math.abs(values[i]));
            }
            assertEquals(max / 127, q.scales()[row], 1e-9, "row " + row + "'s scale is its largest magnitude / 127");
            for (int i = row * 27; i < (row + 1) * 27; i++) {
                assertTrue(Math.abs(back[i] - values[i]) <= q.scales()[row] / 2 * (1 + 1e-5),
                        "value " + i + ": " + values[i] + " came back as " + back[i]);
            }
        }
        // Per output channel beats one scale for the tensor where channels differ in range.
        Int8Quantization.Quantized one = Int8Quantization.quantize(values, 1);
        float[] coarse = Int8Quantization.dequantize(one.q(), one.scales());
        assertTrue(squaredError(values, back) < squaredError(values, coarse) / 2);
        // All zeros: scale 0, exact zeros back.
        Int8Quantization.Quantized zeros = Int8Quantization.quantize(new float[54], 2);
        assertArrayEquals(new float[54], Int8Quantization.dequantize(zeros.q(), zeros.scales()));
    }

    @Test
    void topKKeepsExactlyTheLargestMagnitudesInIncreasingOrder() {
        float[] values = {0.1f, -5f, 0.2f, 3f, -0.05f, 4f, -3f, 0f};
        assertArrayEquals(new int[] {1, 3, 5}, TopKSparsification.largest(values, 3));
        // A tie at the threshold goes to the lower position; all positions increasing.
        assertArrayEquals(new int[] {1, 3, 5, 6}, TopKSparsification.largest(values, 4));
        float[] random = gaussian(10_000, 5, 1);
        int[] kept = TopKSparsification.largest(random, 1000);
        float smallestKept = Float.MAX_VALUE;
        boolean[] isKept = new boolean[random.length];
        for (int j = 0; j < kept.length; j++) {
            assertTrue(j == 0 || kept[j] > kept[j - 1]);
            smallestKept = Math.min(smallestKept, Math.abs(random[kept[j]]));
            isKept[kept[j]] = true;
        }
        for (int i = 0; i < random.length; i++) {
            if (!isKept[i]) {
                assertTrue(Math.abs(random[i]) <= smallestKept, "dropped " + random[i] + " above a kept " + smallestKept);
            }
        }
        assertEquals(1000, TopKSparsification.count(10_000, 0.1));
        assertEquals(1, TopKSparsification.count(5, 0.01));
    }

    @Test
    void anInt8UpdateDecodesToTheTrainedModelWithinTheQuantizationErrorAndItsResidualIsExactlyWhatWasDropped() {
        ModelParameters received = model(1);
        ModelParameters trained = perturbed(received, 2, 0.01);
        WireCompression.Encoded e = WireCompression.update(trained, received, null, INT8, DType.FP32);
        ModelParameters decoded = TensorCodec.fromAvro(roundTrip(e.state()), received);
        for (NamedTensor t : trained.tensors()) {
            float[] got = decoded.get(t.name()).values();
            Tensor wire = tensor(e.state(), t.name());
            if (WireCompression.isStatistic(t.name())) {
                // BN statistics travel whole, in FP16: within FP16's rounding (2^-11 relative).
                assertEquals(TensorEncoding.DENSE, wire.getEncoding());
                assertEquals(DType.FP16, wire.getDtype());
                assertFalse(wire.getDelta());
                for (int i = 0; i < got.length; i++) {
                    assertEquals(t.values()[i], got[i], Math.abs(t.values()[i]) / 2048 + 1e-7, t.name());
                }
                continue;
            }
            if (!WireCompression.compressible(t.name(), t.size())) {
                // α and small tensors travel as they are: exact.
                assertEquals(TensorEncoding.DENSE, wire.getEncoding());
                assertFalse(wire.getDelta());
                assertArrayEquals(t.values(), got, t.name());
                continue;
            }
            assertEquals(TensorEncoding.INT8, wire.getEncoding());
            assertTrue(wire.getDelta());
            float[] dropped = e.residual().get(t.name()).values();
            float maxScale = maxScale(wire);
            for (int i = 0; i < got.length; i++) {
                assertTrue(Math.abs(got[i] - t.values()[i]) <= maxScale / 2 * 1.001 + 1e-7,
                        t.name() + "[" + i + "]: " + got[i] + " vs " + t.values()[i]);
                // The residual is what the receiver lacks: trained − decoded (to float rounding).
                assertEquals(t.values()[i] - got[i], dropped[i], 1e-6, t.name() + "[" + i + "]");
            }
        }
    }

    @Test
    void aTopKUpdateSendsTheLargestTenthOfEachTensorsChangePlusResidualAndKeepsTheRest() {
        ModelParameters received = model(1);
        ModelParameters trained = perturbed(received, 3, 0.01);
        ModelParameters residual = new ModelParameters(List.of(
                new NamedTensor("fc.weight", new int[] {10, 40}, gaussian(400, 9, 0.002))));
        WireCompression.Encoded e = WireCompression.update(trained, received, residual, TOPK, DType.FP32);
        Tensor wire = tensor(e.state(), "fc.weight");
        assertEquals(TensorEncoding.TOPK, wire.getEncoding());
        assertEquals(40 * 4, wire.getIndices().remaining());
        assertEquals(40 * 4, wire.getData().remaining());
        float[] change = new float[400];
        for (int i = 0; i < 400; i++) {
            change[i] = trained.get("fc.weight").values()[i] - received.get("fc.weight").values()[i]
                    + residual.get("fc.weight").values()[i];
        }
        ModelParameters decoded = TensorCodec.fromAvro(roundTrip(e.state()), received);
        int[] expected = TopKSparsification.largest(change, 40);
        float[] sent = new float[400];
        for (int i : expected) {
            sent[i] = change[i];
        }
        for (int i = 0; i < 400; i++) {
            float base = received.get("fc.weight").values()[i];
            assertEquals(base + sent[i], decoded.get("fc.weight").values()[i], 1e-6);
            // The residual is exactly the part not sent.
            assertEquals(change[i] - sent[i], e.residual().get("fc.weight").values()[i], 0f);
        }
    }

    @Test
    void withErrorFeedbackTheSumOfSentUpdatesTracksTheSumOfTrueUpdates() {
        // 40 rounds of updates through TOPK 10 %: what arrived in all equals what was trained, minus
        // the last residual, which stays bounded; without feedback 90 % of every update is lost.
        int n = 2000;
        float[] zero = new float[n];
        ModelParameters base = new ModelParameters(List.of(new NamedTensor("w", new int[] {40, 50}, zero)));
        double[] trueSum = new double[n];
        double[] sentSum = new double[n];
        double[] sentWithoutFeedback = new double[n];
        ModelParameters residual = null;
        for (int round = 0; round < 40; round++) {
            float[] update = gaussian(n, 100 + round, 0.01);
            for (int i = 0; i < n; i++) {
                update[i] += 0.002f * (i % 7 - 3);         // a consistent direction under the noise
                trueSum[i] += update[i];
            }
            ModelParameters trained = new ModelParameters(List.of(new NamedTensor("w", new int[] {40, 50}, update)));
            WireCompression.Encoded e = WireCompression.update(trained, base, residual, TOPK, DType.FP32);
            float[] arrived = TensorCodec.fromAvro(e.state(), base).get("w").values();
            float[] carried = residual == null ? zero : residual.get("w").values();
            float[] dropped = e.residual().get("w").values();
            for (int i = 0; i < n; i++) {
                sentSum[i] += arrived[i];
                // Accumulation: this round's residual = previous residual + this update − what was sent.
                assertEquals(carried[i] + update[i] - arrived[i], dropped[i], 1e-6);
            }
            residual = e.residual();
            float[] plain = TensorCodec.fromAvro(WireCompression.update(trained, base, null, TOPK, DType.FP32).state(),
                    base).get("w").values();
            for (int i = 0; i < n; i++) {
                sentWithoutFeedback[i] += plain[i];
            }
        }
        double trueNorm = norm(trueSum, null);
        double gap = norm(trueSum, sentSum);
        double lastResidual = norm(toDouble(residual.get("w").values()), null);
        assertEquals(lastResidual, gap, 1e-3 * trueNorm, "sent − true = −(last residual)");
        assertTrue(gap < 0.2 * trueNorm, "with feedback: " + gap + " of " + trueNorm);
        assertTrue(norm(trueSum, sentWithoutFeedback) > 0.5 * trueNorm,
                "without feedback: " + norm(trueSum, sentWithoutFeedback) + " of " + trueNorm);
        assertTrue(gap < norm(trueSum, sentWithoutFeedback) / 3);
    }

    @Test
    void aTensorTheClientDidNotChangeSendsNothingAndKeepsItsResidualForARoundThatTrains() {
        // FedAvg's BN statistics pass returns the weights as received: flushing the residual into them then
        // would move weights whose statistics were just measured.
        ModelParameters received = model(1);
        ModelParameters residual = new ModelParameters(List.of(
                new NamedTensor("fc.weight", new int[] {10, 40}, gaussian(400, 9, 0.002))));
        WireCompression.Encoded e = WireCompression.update(received, received, residual, TOPK, DType.FP32);
        assertArrayEquals(received.get("fc.weight").values(),
                TensorCodec.fromAvro(e.state(), received).get("fc.weight").values());
        assertArrayEquals(residual.get("fc.weight").values(), e.residual().get("fc.weight").values());
    }

    @Test
    void aBroadcastCarriesWholeValuesAndFeedsItsRoundingIntoTheNextVersion() {
        ModelParameters v1 = model(1);
        WireCompression.Encoded first = WireCompression.broadcast(v1, null, INT8, DType.FP32);
        assertFalse(tensor(first.state(), "fc.weight").getDelta(), "workers are stateless: no differences");
        ModelParameters seen = TensorCodec.fromAvro(first.state());
        for (int i = 0; i < 400; i++) {
            assertEquals(v1.get("fc.weight").values()[i] - seen.get("fc.weight").values()[i],
                    first.residual().get("fc.weight").values()[i], 1e-7);
        }
        // The same model again: the second broadcast adds the first's rounding, so the two copies average closer.
        ModelParameters seenAgain = TensorCodec.fromAvro(
                WireCompression.broadcast(v1, first.residual(), INT8, DType.FP32).state());
        float[] exact = v1.get("fc.weight").values();
        float[] once = seen.get("fc.weight").values();
        float[] twice = seenAgain.get("fc.weight").values();
        double single = 0;
        double averaged = 0;
        for (int i = 0; i < exact.length; i++) {
            single += Math.pow(once[i] - exact[i], 2);
            averaged += Math.pow((once[i] + twice[i]) / 2 - exact[i], 2);
        }
        assertTrue(averaged < single / 2, "averaged " + averaged + " vs single " + single);
        // Downlink NONE: every tensor as it is.
        UpdateCompression uplinkOnly = UpdateCompression.newBuilder().setUplink(UpdateCodec.INT8).build();
        assertArrayEquals(exact, TensorCodec.fromAvro(WireCompression.broadcast(v1, null, uplinkOnly, DType.FP32)
                .state()).get("fc.weight").values());
    }

    @Test
    void theDefaultCnnsUpdateAndBroadcastAreAtMostAThirdOfFp32() {
        // The default FedAvg example's model (215,370 parameters, 861,480 bytes at FP32).
        ModelParameters received = ModelInitializer.initialize(ModelSpec.newBuilder().setFamily("cnn")
                .setOptions(Map.of("conv1", "16", "conv2", "32", "hidden", "128")).build(), 1);
        assertEveryCodecWithinAThirdOfFp32(received, 861_480);
    }

    @Test
    void theFedNasBenchSupernetsUpdateAndBroadcastAreAtMostAThirdOfFp32() {
        // C=4, 3 cells, stem stride 2 (bench/jobs/compression/fednas-*.yaml): 78,646 values in many small
        // tensors, 5,784 of them BN statistics and 224 α, which stay dense.
        ModelSpec darts = ModelSpec.newBuilder().setFamily("darts")
                .setOptions(Map.of("channels", "4", "layers", "3", "stemStride", "2")).build();
        ModelParameters received = ModelInitializer.initialize(darts, 1);
        assertEveryCodecWithinAThirdOfFp32(received, 314_584);
    }

    /** A perturbed copy of {@code received} goes up as INT8 and as top-k, and {@code received} goes down as INT8. */
    private static void assertEveryCodecWithinAThirdOfFp32(ModelParameters received, long expectedFp32) {
        ModelParameters trained = perturbed(received, 4, 0.001);
        long fp32 = TensorCodec.encodedBytes(TensorCodec.toAvro(trained, DType.FP32));
        assertEquals(expectedFp32, fp32);
        long int8 = TensorCodec.encodedBytes(WireCompression.update(trained, received, null, INT8, DType.FP32).state());
        long topk = TensorCodec.encodedBytes(WireCompression.update(trained, received, null, TOPK, DType.FP32).state());
        long broadcast = TensorCodec.encodedBytes(WireCompression.broadcast(received, null, INT8, DType.FP32).state());
        assertTrue(int8 <= 0.3 * fp32, "int8 " + int8);
        assertTrue(topk <= 0.3 * fp32, "topk " + topk);
        assertTrue(broadcast <= 0.3 * fp32, "broadcast " + broadcast);
    }

    @Test
    void malformedCompressedTensorsAreRefusedNamingTheTensor() {
        ModelParameters base = model(1);
        ModelState update = WireCompression.update(perturbed(base, 2, 0.01), base, null, TOPK, DType.FP32).state();
        // A difference needs its base.
        IllegalArgumentException noBase = assertThrows(IllegalArgumentException.class, () -> TensorCodec.fromAvro(update));
        assertTrue(noBase.getMessage().contains("difference"), noBase.getMessage());
        Tensor topk = tensor(update, "fc.weight");
        ByteBuffer swapped = ByteBuffer.allocate(topk.getIndices().remaining()).order(ByteOrder.LITTLE_ENDIAN);
        swapped.putInt(5).putInt(3);
        while (swapped.hasRemaining()) {
            swapped.putInt(399);
        }
        topk.setIndices(swapped.rewind());
        IllegalArgumentException order = assertThrows(IllegalArgumentException.class,
                () -> TensorCodec.fromAvro(update, base));
        assertTrue(order.getMessage().contains("fc.weight") && order.getMessage().contains("increasing"), order.getMessage());
        ModelState int8 = WireCompression.update(perturbed(base, 2, 0.01), base, null, INT8, DType.FP32).state();
        tensor(int8, "fc.weight").setScales(ByteBuffer.allocate(12));
        IllegalArgumentException scales = assertThrows(IllegalArgumentException.class,
                () -> TensorCodec.fromAvro(int8, base));
        assertTrue(scales.getMessage().contains("fc.weight") && scales.getMessage().contains("scales"), scales.getMessage());
    }

    @Test
    void anOldDenseRecordStillDecodesAsBefore() {
        // Written by the FP32 codec, which sets none of the new fields: the defaults say DENSE, not a difference.
        ModelParameters m = model(3);
        ModelState plain = TensorCodec.toAvro(m, DType.FP32);
        Tensor t = plain.getTensors().get(0);
        assertEquals(TensorEncoding.DENSE, t.getEncoding());
        assertFalse(t.getDelta());
        assertEquals(0, t.getScales().remaining());
        assertArrayEquals(m.get("conv.weight").values(), TensorCodec.fromAvro(roundTrip(plain)).get("conv.weight").values());
    }

    // --- helpers

    private static ModelParameters perturbed(ModelParameters m, long seed, double sigma) {
        List<NamedTensor> out = new ArrayList<>();
        Random random = new Random(seed);
        for (NamedTensor t : m.tensors()) {
            float[] v = t.values().clone();
            for (int i = 0; i < v.length; i++) {
                v[i] += (float) (sigma * random.nextGaussian());
            }
            out.add(new NamedTensor(t.name(), t.shape(), v));
        }
        return new ModelParameters(out);
    }

    /** Through the Avro binary form and back, as a consumer sees it. */
    private static ModelState roundTrip(ModelState state) {
        try {
            return ModelState.fromByteBuffer(state.toByteBuffer());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Tensor tensor(ModelState state, String name) {
        return state.getTensors().stream().filter(t -> t.getName().equals(name)).findFirst().orElseThrow();
    }

    private static float maxScale(Tensor t) {
        ByteBuffer s = t.getScales().duplicate().order(ByteOrder.LITTLE_ENDIAN);
        float max = 0;
        while (s.remaining() >= 4) {
            max = Math.max(max, s.getFloat());
        }
        return max;
    }

    private static double squaredError(float[] a, float[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += Math.pow(a[i] - b[i], 2);
        }
        return sum;
    }

    private static double[] toDouble(float[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = v[i];
        }
        return out;
    }

    /** ||a − b|| (||a|| when b is null). */
    private static double norm(double[] a, double[] b) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - (b == null ? 0 : b[i]);
            sum += d * d;
        }
        return Math.sqrt(sum);
    }
}
