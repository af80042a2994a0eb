package io.fedarch.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.fedarch.core.algorithms.fedavg.FedAvg;
import io.fedarch.core.algorithms.fedavg.FedAvgClient;
import io.fedarch.core.algorithms.fednas.SearchSettings;
import io.fedarch.core.algorithms.fednas.SearchTrainer;
import io.fedarch.core.darts.DartsOptions;
import io.fedarch.core.darts.DerivedArchitecture;
import io.fedarch.core.darts.SearchNetwork;
import io.fedarch.core.data.ClientShard;
import io.fedarch.core.data.FashionMnist;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.model.BlockParameters;
import io.fedarch.core.model.Engines;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.model.ModelInitializer;
import io.fedarch.core.strategy.ClientOutcome;
import io.fedarch.core.strategy.ClientTaskContext;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelSpec;

/**
 * BN recalibration of a network derived from a searched supernet: it changes nothing but the BN
 * running statistics, and it replaces the supernet mixture's statistics, which blow the derived
 * network's logits up, with the network's own.
 */
class BatchNormRecalibrationTest {
    /**
     * The collapse guard off (maxParameterFree 8), so the derived network is α's own argmax and this tests
     * recalibration alone: with the default guard (2) the operations swapped in for pools and skips
     * carry weights the mixture barely used, and the same case measured 0.095 as inherited, 0.133 recalibrated.
     */
    private static final ModelSpec SUPERNET = ModelSpec.newBuilder().setFamily("darts")
            .setOptions(Map.of("channels", "4", "layers", "3", "stemStride", "2", "maxParameterFree", "8")).build();

    /** The derived network of a supernet searched for two epochs on 1,200 real images, with the weights it inherits. */
    private static DerivedArchitecture derivedFromASearch(ImageDataset train, ImageDataset validation) {
        try (NDManager manager = Engines.newManager()) {
            SearchNetwork network = (SearchNetwork) ModelFactory.buildAllocated(SUPERNET, manager);
            BlockParameters.load(network, ModelInitializer.initialize(network, 3));
            SearchTrainer.search(network, train, validation,
                    new SearchSettings(2, 32, 0.05, 0.9, 3e-4, 5, 3e-3, 1e-3, 1.0, 7));
            return DerivedArchitecture.of(BlockParameters.read(network), DartsOptions.parse(SUPERNET.getOptions()), null, 0);
        }
    }

    private static ImageDataset train;
    private static ImageDataset validation;
    private static DerivedArchitecture derived;

    @BeforeAll
    static void search() {
        ImageDataset data = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TRAIN, 1600);
        int[] rest = new int[400];
        Arrays.setAll(rest, i -> 1200 + i);
        train = data.head(1200);
        validation = data.select(rest);
        derived = derivedFromASearch(train, validation);
    }

    @Test
    void recalibrationChangesOnlyRunningStatisticsAndBringsTheDerivedNetworksLossDown() {
        ImageDataset test = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TEST, 1000);

        Metrics asInherited = Evaluator.evaluate(derived.derived(), derived.inherited(), test, 500);
        ModelParameters recalibrated;
        Metrics pass;
        try (NDManager manager = Engines.newManager()) {
            Block block = ModelFactory.buildAllocated(derived.derived(), manager);
            BlockParameters.load(block, derived.inherited());
            pass = BatchNormRecalibration.recalibrate(block, train, 32);
            assertEquals(0, pass.steps(), "nothing was optimised");
            assertTrue(pass.samples() >= 30 * 32 && pass.samples() >= train.size(), "samples " + pass.samples());
            recalibrated = BlockParameters.read(block);
        }
        int statistics = 0;
        for (NamedTensor before : derived.inherited().tensors()) {
            float[] after = recalibrated.get(before.name()).values();
            if (before.name().endsWith("running_mean") || before.name().endsWith("running_var")) {
                statistics += Arrays.equals(before.values(), after) ? 0 : 1;
            } else {
                assertArrayEquals(before.values(), after, before.name() + " must not change");
            }
        }
        assertTrue(statistics > 0, "the running statistics were re-measured");
        // Inference with the re-measured statistics predicts the calibration images as the pass did with
        // each batch's own statistics: the statistics are those of this network, not of the mixture.
        double onCalibration = Evaluator.evaluate(derived.derived(), recalibrated, train, 500).accuracy();
        assertEquals(pass.accuracy(), onCalibration, 0.03, "inference vs the pass's batch statistics");
        Metrics after = Evaluator.evaluate(derived.derived(), recalibrated, test, 500);
        // As inherited, the network normalises with the supernet mixture's statistics and its test loss is far
        // above chance level (19-334 measured over init seeds 3-5 and two and three search epochs);
        // recalibrated it is 2.1-3.8. Accuracy is no floor here: a network cut out of a two-epoch, 4-channel
        // supernet stays near chance (0.129-0.256 recalibrated, 0.081-0.133 as inherited, same runs), and which
        // side of 0.15 it lands on moved with float summation order (oneDNN's instruction set), so the floors
        // are on the loss, with a wide margin, and on "not worse".
        String figures = "recalibrated " + after + ", as inherited " + asInherited;
        assertTrue(after.loss() < asInherited.loss() / 4, "the loss falls to under a quarter: " + figures);
        assertTrue(after.loss() < 2 * Math.log(10), "the loss is under twice chance level's ln 10: " + figures);
        assertTrue(after.accuracy() >= asInherited.accuracy(), "accuracy is not lost: " + figures);
    }

    @Test
    void fedAvgsStatisticsPassSendsTheModelBackWithOnlyItsStatisticsChanged() {
        JobSpec spec = JobSpec.newBuilder().setAlgorithm(FedAvg.NAME).setModel(derived.derived())
                .setData(io.fedarch.events.DataSpec.newBuilder()
                        .setPartition(io.fedarch.events.PartitionSpec.newBuilder().build()).build())
                .setTotalClients(1).setClientsPerRound(1).setRounds(2).setLocalEpochs(1).setBatchSize(32)
                .setLearningRate(0.05).setMomentum(0.9).setHyperParameters(Map.of(FedAvg.STATISTICS_PASS, "1")).build();
        new FedAvg().validate(spec);
        Map<String, String> config = new FedAvg().instruct(spec, 1, 0, null, null).config();
        assertEquals("true", config.get(FedAvg.STATISTICS_ONLY));
        assertFalse(new FedAvg().instruct(spec, 2, 0, null, null).config().containsKey(FedAvg.STATISTICS_ONLY));
        ClientOutcome outcome = new FedAvgClient().run(new ClientTaskContext(spec, 1, config, null, derived.inherited(),
                new ClientShard(0, train, validation), () -> null));
        assertEquals(0, outcome.steps());
        for (NamedTensor before : derived.inherited().tensors()) {
            boolean statistic = before.name().endsWith("running_mean") || before.name().endsWith("running_var");
            if (!statistic) {
                assertArrayEquals(before.values(), outcome.parameters().get(before.name()).values(), before.name());
            }
        }
        double asInherited = Evaluator.evaluate(derived.derived(), derived.inherited(), validation, 500).accuracy();
        assertTrue(outcome.validationAccuracy() > asInherited + 0.05,
                "after the pass " + outcome.validationAccuracy() + ", as inherited " + asInherited);
    }
}
