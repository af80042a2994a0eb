package io.fedarch.core.darts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import ai.djl.ndarray.NDManager;
import io.fedarch.core.algorithms.fednas.SearchSettings;
import io.fedarch.core.algorithms.fednas.SearchTrainer;
import io.fedarch.core.data.FashionMnist;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.model.BlockParameters;
import io.fedarch.core.model.Engines;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.model.ModelInitializer;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.events.ModelSpec;
import org.junit.jupiter.api.Test;

/**
 * The search step's numerics are pinned: every parameter (weights, BN statistics, α) after four
 * MiLeNAS steps on fixed Fashion-MNIST images is compared with a reference written by the code
 * before the speed work of issue 19 (commit fc56266, with {@link #main}). Speed changes may reorder
 * float sums (channels-last kernels, fused mixing), never change the maths: the tolerance is
 * 1e-4 + 1e-3·max|tensor| per element (measured drift from reordering: at most 7e-5, on α,
 * whose Adam steps amplify tiny gradient differences), while using a wrong candidate, edge or
 * mixing weight moves parameters by 1e-3 or more after these steps.
 */
class SearchStepNumericsTest {
    private static final String REFERENCE = "search-step-reference.txt";
    /** Values recorded per tensor: its sum, sum of squares and this many evenly spaced elements. */
    private static final int SAMPLES = 8;

    @Test
    void fourSearchStepsMatchTheRecordedReference() throws IOException {
        Map<String, double[]> reference = read();
        Map<String, double[]> now = fingerprints(searchedParameters());
        assertEquals(reference.keySet(), now.keySet(), "the same parameter tensors");
        int compared = 0;
        for (Map.Entry<String, double[]> entry : reference.entrySet()) {
            double[] want = entry.getValue();
            double[] got = now.get(entry.getKey());
            double count = want[want.length - 1];
            assertEquals(count, got[got.length - 1], entry.getKey() + " elements");
            double perElement = 1e-4 + 1e-3 * want[0];
            for (int i = 0; i < want.length - 1; i++) {
                // max|t| and the sampled values drift per element; the sum and the sum of squares add up to count of them.
                double tolerance = i == 1 ? count * perElement
                        : i == 2 ? count * perElement * (2 * want[0] + perElement) : perElement;
                int index = i;
                assertTrue(Math.abs(want[i] - got[i]) <= tolerance, () -> entry.getKey() + " value " + index
                        + " drifted: reference " + Arrays.toString(want) + ", now " + Arrays.toString(got));
                compared++;
            }
        }
        assertTrue(compared > 1000, "compared " + compared + " values");
    }

    static ModelParameters searchedParameters() {
        Map<String, String> options = new LinkedHashMap<>();
        options.put("channels", "4");
        options.put("layers", "3");
        options.put("stemStride", "2");
        ModelSpec spec = ModelSpec.newBuilder().setFamily(DartsFamily.NAME).setOptions(options).build();
        int batch = 16;
        ImageDataset all = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TRAIN, 8 * batch);
        ImageDataset train = all.head(4 * batch);
        int[] rest = new int[4 * batch];
        Arrays.setAll(rest, i -> 4 * batch + i);
        ImageDataset validation = all.select(rest);
        SearchSettings settings = new SearchSettings(1, batch, 0.025, 0.9, 3e-4, 5, 3e-4, 1e-3, 1.0, 1);
        try (NDManager manager = Engines.newManager()) {
            SearchNetwork network = (SearchNetwork) ModelFactory.buildAllocated(spec, manager);
            BlockParameters.load(network, ModelInitializer.initialize(network, 42));
            SearchTrainer.search(network, train, validation, settings);
            return BlockParameters.read(network);
        }
    }

    /** Per tensor: max|t|, sum, sum of squares, SAMPLES evenly spaced values, element count. */
    static Map<String, double[]> fingerprints(ModelParameters parameters) {
        Map<String, double[]> out = new LinkedHashMap<>();
        for (String name : parameters.names()) {
            float[] v = parameters.get(name).values();
            double[] f = new double[3 + SAMPLES + 1];
            for (float x : v) {
                f[0] = Math.max(f[0], Math.abs(x));
                f[1] += x;
                f[2] += (double) x * x;
            }
            for (int i = 0; i < SAMPLES; i++) {
                f[3 + i] = v[(int) ((long) i * v.length / SAMPLES)];
            }
            f[3 + SAMPLES] = v.length;
            out.put(name, f);
        }
        return out;
    }

    private static Map<String, double[]> read() throws IOException {
        Map<String, double[]> out = new LinkedHashMap<>();
        try (InputStream in = SearchStepNumericsTest.class.getResourceAsStream(REFERENCE)) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.trim().split(" ");
                out.put(parts[0], Arrays.stream(parts, 1, parts.length).mapToDouble(Double::parseDouble).toArray());
            }
        }
        return out;
    }

    /** Writes the reference: run on the commit whose numerics are the reference. */
    public static void main(String[] args) {
        try (PrintWriter out = new PrintWriter(Files.newBufferedWriter(Path.of(args[0])))) {
            out.println("# name max|t| sum sum-of-squares " + SAMPLES + "-evenly-spaced-values element-count;"
                    + " SearchStepNumericsTest.main on " + args[1]);
            fingerprints(searchedParameters()).forEach((name, f) -> {
                StringBuilder line = new StringBuilder(name);
                for (double x : f) {
                    line.append(' ').append(x);
                }
                out.println(line);
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
