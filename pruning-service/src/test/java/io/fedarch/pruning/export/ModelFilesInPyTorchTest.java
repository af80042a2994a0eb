package io.fedarch.pruning.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.fedarch.core.darts.CellTopology;
import io.fedarch.core.darts.DartsFamily;
import io.fedarch.core.darts.DerivedOptions;
import io.fedarch.core.darts.Genotype;
import io.fedarch.core.darts.MixingMode;
import io.fedarch.core.darts.Relaxation;
import io.fedarch.core.darts.SearchNetwork;
import io.fedarch.core.darts.SinglePath;
import io.fedarch.core.darts.report.CellDiagram;
import io.fedarch.core.data.FashionMnist;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.data.ImageFolder;
import io.fedarch.core.data.ImageFolderWriter;
import io.fedarch.core.model.BlockParameters;
import io.fedarch.core.model.Engines;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.model.ModelInitializer;
import io.fedarch.core.model.ModelSummary;
import io.fedarch.core.ofa.ElasticOptions;
import io.fedarch.core.ofa.ElasticResNetFamily;
import io.fedarch.core.ofa.ElasticSubnetFamily;
import io.fedarch.core.ofa.SubnetConfig;
import io.fedarch.core.strategy.ClientArchitecture;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.core.train.Batches;
import io.fedarch.core.train.LocalTrainer;
import io.fedarch.core.train.TrainingSettings;
import io.fedarch.events.InputShape;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelScope;
import io.fedarch.events.ModelSpec;
import io.fedarch.events.spec.JobSpecReader;

/**
 * examples/clients/load_pytorch.py rebuilds each family's delivered network in PyTorch (Debian's
 * python3-torch) from the files the exporter writes (ModelExporter.write: model.json, model.safetensors,
 * genotype.json) and gives DJL's predictions on real Fashion-MNIST test images.
 * <p>
 * The weights are seeded and trained for one short epoch (real batch-norm statistics, a network that tells
 * classes apart), so every normalisation, pooling and padding rule shows in the logits.
 */
class ModelFilesInPyTorchTest {
    private static final Path SCRIPT = Path.of("../examples/clients/load_pytorch.py");
    private static final int IMAGES = 200;
    private static final int TRAINING_IMAGES = 640;
    /** Float32 summation order differs between libtorch builds (DJL's 2.x, Debian's 1.13). */
    private static final double TOLERANCE = 1e-4;
    private static final InputShape RGB_32 = InputShape.newBuilder().setChannels(3).setHeight(32).setWidth(32).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static String python;

    @TempDir
    Path dir;

    /** The first Python with PyTorch: Debian's (python3-torch, which ./fedarch test installs). */
    @BeforeAll
    static void findPythonWithTorch() throws Exception {
        for (String candidate : List.of("/usr/bin/python3", "python3")) {
            try {
                Process probe = new ProcessBuilder(candidate, "-c", "import torch").redirectErrorStream(true).start();
                if (probe.waitFor(120, TimeUnit.SECONDS) && probe.exitValue() == 0) {
                    python = candidate;
                    return;
                }
            } catch (IOException notThere) {
                // Try the next one.
            }
        }
        Assumptions.abort("no python3 with the torch module; install it with apt-get install -y python3-torch"
                + " (./fedarch test does)");
    }

    @Test
    void theCnnGivesDjlsPredictionsInPyTorch() throws Exception {
        ModelSpec cnn = spec("cnn", Map.of("conv1", "6", "conv2", "12", "hidden", "24", "dropout", "0.25"));
        assertSamePredictions(cnn, null, "cnn", block -> { }, null);
    }

    /**
     * Every DARTS operation, stride-2 skip connections (FactorizedReduce) and pooling on reduction edges, and a
     * FactorizedReduce on an odd size (stem stride 2: 14x14, then 7x7 into the second reduction cell).
     */
    @Test
    void aDerivedDartsNetworkGivesDjlsPredictionsInPyTorch() throws Exception {
        Genotype genotype = everyOperation();
        ModelSpec derived = new DerivedOptions(4, 5, 2, genotype).toModelSpec();
        assertSamePredictions(derived, genotype, "darts-derived", block -> { }, null);
    }

    /** Every DARTS operation in both cell types; the reduction cell concatenates three nodes. */
    private static Genotype everyOperation() {
        return Genotype.fromJson("""
                {"normal":[["sep_conv_3x3",0],["dil_conv_3x3",1],["skip_connect",0],["sep_conv_5x5",2],
                 ["avg_pool_3x3",1],["max_pool_3x3",3],["dil_conv_5x5",2],["skip_connect",4]],
                 "normal_concat":[2,3,4,5],
                 "reduce":[["skip_connect",0],["max_pool_3x3",1],["avg_pool_3x3",0],["sep_conv_3x3",2],
                 ["dil_conv_3x3",1],["skip_connect",2],["sep_conv_5x5",0],["dil_conv_5x5",3]],
                 "reduce_concat":[3,4,5]}""").validate();
    }

    /** A silo's own 3-channel 32×32 images: the CNN and a derived DARTS network built for that shape, in PyTorch. */
    @Test
    void networksForThreeChannelImagesGiveDjlsPredictionsInPyTorch() throws Exception {
        Images colour = colourFolder();
        ModelSpec cnn = ModelSpec.newBuilder(spec("cnn", Map.of("conv1", "6", "conv2", "12", "hidden", "24")))
                .setInputShape(RGB_32).build();
        assertSamePredictions(cnn, null, "cnn", block -> { }, null, colour, trained -> trained);
        Genotype genotype = everyOperation();
        ModelSpec derived = ModelSpec.newBuilder(new DerivedOptions(4, 5, 2, genotype).toModelSpec())
                .setInputShape(RGB_32).build();
        assertSamePredictions(derived, genotype, "darts-derived", block -> { }, null, colour, trained -> trained);
    }

    /** SuperFedNAS's budget model: a subnet on its own, with mixed kernels, a width multiplier and real BN. */
    @Test
    void anElasticResNetSubnetGivesDjlsPredictionsInPyTorch() throws Exception {
        Map<String, String> space = Map.of("stemChannels", "6", "widths", "6,8,12,16", "kernels", "3,5",
                "widthMultipliers", "0.5,1.0", "maxExtraBlocks", "1", "bn", "true");
        SubnetConfig subnet = SubnetConfig.random(ElasticOptions.parse(space), new java.util.Random(5));
        ModelSpec spec = ElasticSubnetFamily.spec(spec(ElasticResNetFamily.NAME, space), subnet);
        assertSamePredictions(spec, null, ElasticSubnetFamily.NAME, block -> { }, null);
    }

    /** SuperFedNAS's global model: the elastic supernet, which runs (and is rebuilt as) its largest subnet. */
    @Test
    void theElasticResNetSupernetGivesDjlsPredictionsInPyTorch() throws Exception {
        ModelSpec supernet = spec(ElasticResNetFamily.NAME, Map.of("stemChannels", "4", "widths", "4,6,8,12",
                "kernels", "3,5", "maxExtraBlocks", "1", "bn", "true"));
        assertSamePredictions(supernet, null, ElasticResNetFamily.NAME, block -> { }, null);
    }

    /**
     * A PerFedRLNAS client's delivery: the supernet's weights and the client's single path (every operation,
     * 'none' included, on both cell types), trained and evaluated through that path as the supernet runs it.
     */
    @Test
    void aSinglePathThroughTheSupernetGivesDjlsPredictionsInPyTorch() throws Exception {
        ModelSpec supernet = spec(DartsFamily.NAME, Map.of("channels", "4", "layers", "5", "stemStride", "2"));
        int[] normal = new int[CellTopology.EDGES];
        int[] reduce = new int[CellTopology.EDGES];
        for (int e = 0; e < normal.length; e++) {
            normal[e] = e % 8;
            reduce[e] = (3 * e + 1) % 8;
        }
        SinglePath path = new SinglePath(DartsFamily.options(supernet).operationNames(), normal, reduce);
        // As PerFedRlNas.clientArchitecture gives it: with the path's one-hot mask (model.onnx is the path too).
        ClientArchitecture architecture = new ClientArchitecture(path.toJson(), CellDiagram.svg(path), 0, 0, Map.of(),
                null, path.toMask());
        assertSamePredictions(supernet, null, DartsFamily.NAME,
                block -> ((SearchNetwork) block).setRelaxation(new Relaxation(MixingMode.SOFTMAX, 1.0, path.toMask())),
                architecture);
    }

    /**
     * A FedNAS client's delivery, or a supernet delivered as trained: the relaxed supernet, every edge mixing all
     * its operations by softmax(α). α is drawn from N(0, 1) after training, so every edge mixes differently and a
     * wrong edge order or softmax would show.
     */
    @Test
    void theRelaxedDartsSupernetGivesDjlsPredictionsInPyTorch() throws Exception {
        ModelSpec supernet = spec(DartsFamily.NAME, Map.of("channels", "4", "layers", "5", "stemStride", "2"));
        Random random = new Random(13);
        assertSamePredictions(supernet, null, DartsFamily.NAME, block -> { }, null,
                trained -> new ModelParameters(trained.tensors().stream().map(t -> !t.name().startsWith("alpha.") ? t
                        : new NamedTensor(t.name(), t.shape(), gaussian(random, t.size()))).toList()));
    }

    private static float[] gaussian(Random random, int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    /** Weights that do not fit the described network are refused with the tensor named, not loaded half-way. */
    @Test
    void weightsThatDoNotFitTheDescriptionAreRefusedByName() throws Exception {
        ModelSpec cnn = spec("cnn", Map.of("conv1", "6", "conv2", "12", "hidden", "24"));
        Path delivery = dir.resolve("mismatched");
        ModelExporter.write(delivery, new ModelDelivery("pytorch-mismatched", ModelScope.GLOBAL, null, "fedavg",
                job(cnn), cnn, ModelInitializer.initialize(cnn, 3), null, null, 1, 1, 0, Map.of(), List.of()),
                ModelSummary.of(cnn), 0.1, 2.3, IMAGES);
        Path json = delivery.resolve("model.json");
        String described = Files.readString(json);
        String altered = described.replaceFirst("\"conv1\"\\s*:\\s*6\\b", "\"conv1\" : 8");
        assertTrue(!altered.equals(described), "model.json's network gives conv1 as a number:\n" + described);
        Files.writeString(json, altered);

        Run run = runScript(delivery.toString());

        assertEquals(1, run.exitCode, run.output);
        assertTrue(run.output.contains("load_pytorch.py: error: ") && run.output.contains("tensor conv1.weight has shape"
                + " [6, 1, 5, 5], the network needs [8, 1, 5, 5]"), run.output);
    }

    /**
     * @param setUp        what the network needs before it runs (a supernet: the path it evaluates)
     * @param architecture a client's own architecture (delivered as a CLIENT model), or null (a GLOBAL model)
     */
    private void assertSamePredictions(ModelSpec spec, Genotype genotype, String family, Consumer<Block> setUp,
                                       ClientArchitecture architecture) throws Exception {
        assertSamePredictions(spec, genotype, family, setUp, architecture, fashionMnist(), trained -> trained);
    }

    /** @param afterTraining what changes the trained weights before they are delivered (the relaxed supernet's α) */
    private void assertSamePredictions(ModelSpec spec, Genotype genotype, String family, Consumer<Block> setUp,
                                       ClientArchitecture architecture, UnaryOperator<ModelParameters> afterTraining)
            throws Exception {
        assertSamePredictions(spec, genotype, family, setUp, architecture, fashionMnist(), afterTraining);
    }

    /** The images a network is trained and compared on, and the script's arguments that read the same test images. */
    private record Images(ImageDataset train, ImageDataset test, List<String> scriptArguments) {
    }

    private static Images fashionMnist() {
        return new Images(FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TRAIN, TRAINING_IMAGES),
                FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TEST, IMAGES),
                List.of("--images", FashionMnist.DEFAULT_DIR.resolve(FashionMnist.Split.TEST.imagesFile() + ".gz")
                        .toString()));
    }

    /**
     * Fashion-MNIST written as tinted 3×32×32 PNG class folders and read back by the image-folder loader, as a silo's
     * own data is; the script gets the same normalised test images as raw float32 (--tensor).
     */
    private Images colourFolder() throws IOException {
        Path folder = dir.resolve("colour-folder");
        ImageFolderWriter.writeFashionMnist(FashionMnist.DEFAULT_DIR, folder, TRAINING_IMAGES, IMAGES, 3, 32, 5);
        ImageDataset train = ImageFolder.load(folder, FashionMnist.Split.TRAIN, 3, 32, 32, TRAINING_IMAGES);
        ImageDataset test = ImageFolder.load(folder, FashionMnist.Split.TEST, 3, 32, 32, IMAGES);
        ByteBuffer raw = ByteBuffer.allocate(test.pixels().length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(test.pixels());
        Path tensor = dir.resolve("colour-test.f32");
        Files.write(tensor, raw.array());
        return new Images(train, test, List.of("--tensor", tensor.toString()));
    }

    private void assertSamePredictions(ModelSpec spec, Genotype genotype, String family, Consumer<Block> setUp,
                                       ClientArchitecture architecture, Images data,
                                       UnaryOperator<ModelParameters> afterTraining) throws Exception {
        ModelParameters weights = afterTraining.apply(trainedWeights(spec, setUp, data.train()));
        ImageDataset images = data.test();
        float[][] djl = djlLogits(spec, weights, images, setUp);
        Path delivery = dir.resolve(family + "-" + spec.getInputShape().getChannels() + "x"
                + spec.getInputShape().getHeight());
        ModelScope scope = architecture == null ? ModelScope.GLOBAL : ModelScope.CLIENT;
        Integer client = architecture == null ? null : 1;
        ModelExporter.write(delivery, new ModelDelivery("pytorch-" + family, scope, client, "fedavg", job(spec), spec,
                weights, genotype, null, 1, 1, 0, Map.of(), List.of(), Map.of(), architecture), ModelSummary.of(spec),
                0.1, 2.3, IMAGES);

        Path output = delivery.resolveSibling(delivery.getFileName() + "-predictions.json");
        List<String> arguments = new ArrayList<>(List.of(delivery.toString()));
        arguments.addAll(data.scriptArguments());
        arguments.addAll(List.of("--count", Integer.toString(IMAGES), "--output", output.toString()));
        Run run = runScript(arguments.toArray(String[]::new));

        assertEquals(0, run.exitCode, run.output);
        assertTrue(run.output.contains("rebuilt " + family + " network: "), run.output);
        JsonNode torch = JSON.readTree(output.toFile());
        int[] djlClasses = new int[IMAGES];
        int[] torchClasses = new int[IMAGES];
        double maxDifference = 0;
        double largest = 0;
        for (int i = 0; i < IMAGES; i++) {
            djlClasses[i] = argmax(djl[i]);
            torchClasses[i] = torch.get("predictions").get(i).asInt();
            for (int c = 0; c < djl[i].length; c++) {
                largest = Math.max(largest, Math.abs(djl[i][c]));
                maxDifference = Math.max(maxDifference, Math.abs(djl[i][c] - torch.get("logits").get(i).get(c).asDouble()));
            }
        }
        System.out.printf("%s at %dx%dx%d: max |DJL - PyTorch| logit difference %.3g over %d images (largest |logit|"
                + " %.3g)%n", family, spec.getInputShape().getChannels(), spec.getInputShape().getHeight(),
                spec.getInputShape().getWidth(), maxDifference, IMAGES, largest);
        assertArrayEquals(djlClasses, torchClasses, family + ": PyTorch predicts what DJL predicts");
        assertTrue(maxDifference <= TOLERANCE, family + ": logits differ by up to " + maxDifference);
        assertTrue(java.util.Arrays.stream(djlClasses).distinct().count() > 1,
                family + ": the network distinguishes images (a constant output would prove nothing)");
    }

    /**
     * Seeded weights trained for one short epoch on real training images, so the batch-norm running statistics
     * are real ones and the network tells classes apart.
     */
    private static ModelParameters trainedWeights(ModelSpec spec, Consumer<Block> setUp, ImageDataset train) {
        try (NDManager manager = Engines.newManager()) {
            Block block = ModelFactory.buildAllocated(spec, manager);
            BlockParameters.load(block, ModelInitializer.initialize(spec, 21));
            setUp.accept(block);
            // At 0.05 the elastic supernet's logits grow past 100 in one epoch; 0.02 leaves the single path constant.
            double learningRate = spec.getFamily().equals(ElasticResNetFamily.NAME) ? 0.02 : 0.05;
            LocalTrainer.train(block, train, new TrainingSettings(1, 32, learningRate, 0.9, 0, 7));
            return BlockParameters.read(block);
        }
    }

    private static float[][] djlLogits(ModelSpec spec, ModelParameters weights, ImageDataset images,
                                       Consumer<Block> setUp) {
        try (NDManager manager = Engines.newManager()) {
            Block block = ModelFactory.buildAllocated(spec, manager);
            BlockParameters.load(block, weights);
            setUp.accept(block);
            NDArray x = Batches.images(manager, images, null, 0, images.size());
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

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    private static ModelSpec spec(String family, Map<String, String> options) {
        return ModelSpec.newBuilder().setFamily(family).setOptions(options).build();
    }

    private static JobSpec job(ModelSpec model) {
        JobSpec job = JobSpecReader.fromMap(Map.of("totalClients", 2, "clientsPerRound", 2, "rounds", 1,
                "localEpochs", 1, "batchSize", 32, "learningRate", 0.02,
                "model", Map.of("family", "cnn", "options", Map.of()),
                "data", Map.of("trainLimit", 100, "testLimit", 100, "partition", Map.of("scheme", "IID"))));
        job.setModel(model);
        return job;
    }

    private record Run(int exitCode, String output) {
    }

    private static Run runScript(String... arguments) throws Exception {
        List<String> command = new ArrayList<>(List.of(python, SCRIPT.toString()));
        command.addAll(List.of(arguments));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        // Two CI cores: one torch thread per process is enough for a few hundred images.
        builder.environment().put("OMP_NUM_THREADS", "1");
        Process process = builder.start();
        String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "the script finishes:\n" + text);
        return new Run(process.exitValue(), text);
    }
}
