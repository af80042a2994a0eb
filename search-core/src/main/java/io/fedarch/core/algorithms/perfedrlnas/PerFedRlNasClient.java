package io.fedarch.core.algorithms.perfedrlnas;

import io.fedarch.core.strategy.DeviceProfiles;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntToDoubleFunction;

import ai.djl.ndarray.NDManager;
import io.fedarch.core.algorithms.fedavg.FedAvgClient;
import io.fedarch.core.darts.DartsFamily;
import io.fedarch.core.darts.DartsOptions;
import io.fedarch.core.darts.MixingMode;
import io.fedarch.core.darts.PathCost;
import io.fedarch.core.darts.PathSlices;
import io.fedarch.core.darts.Relaxation;
import io.fedarch.core.darts.SearchNetwork;
import io.fedarch.core.darts.SinglePath;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.model.BlockParameters;
import io.fedarch.core.model.Engines;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.strategy.ClientOutcome;
import io.fedarch.core.strategy.ClientProcedure;
import io.fedarch.core.strategy.ClientTaskContext;
import io.fedarch.core.strategy.Personalization;
import io.fedarch.core.train.BatchNormRecalibration;
import io.fedarch.core.train.Evaluator;
import io.fedarch.core.train.Metrics;
import io.fedarch.core.util.Seeds;
import io.fedarch.events.JobSpec;

/**
 * PerFedRLNAS's client: it receives the supernet and the single path its policy sampled for it,
 * and — unless training that path would exceed its device's memory budget — trains only that
 * path's weights for localEpochs (SGD, momentum, weight decay, the federation-wide cosine decayed
 * per epoch: {@link SubnetTrainer}). It reports the model (untouched entries bit-identical), the
 * path it trained, the accuracy the reward is computed from (its validation split, or with
 * {@code rewardSplit: test} its local test split as the reference does, which leaks test data into
 * the search), and the path's cost: parameters, MACs, bytes, estimated peak training memory and
 * the simulated compute time on its device. A path over the budget is not trained and reports
 * accuracy 0 (the reference's rule).
 * <p>
 * Personalization fine-tunes the client's final path (the arg-max of its policy) the same way for
 * personalizationEpochs and measures it on the client's local test split.
 */
public final class PerFedRlNasClient implements ClientProcedure {
    /** Metrics the client reports (ClientMetrics.custom), besides the echoed path. */
    public static final String REWARD_ACCURACY = "rewardAccuracy";
    public static final String TRAINED = "trained";
    public static final String OVER_BUDGET = "overBudget";
    public static final String SUBNET_PARAMETERS = "subnetParameters";
    public static final String SUBNET_MACS = "subnetMacs";
    public static final String SUBNET_BYTES = "subnetBytes";
    public static final String PEAK_MEMORY_BYTES = "peakTrainingMemoryBytes";
    public static final String MEMORY_BUDGET_BYTES = "memoryBudgetBytes";
    public static final String SIMULATED_COMPUTE_SECONDS = "simulatedComputeSeconds";
    public static final String DEVICE_TIER = "deviceTier";

    @Override
    public ClientOutcome run(ClientTaskContext task) {
        IntToDoubleFunction schedule = epoch -> PerFedRlNas.learningRate(task.spec(), task.round(), epoch);
        return train(task, task.spec().getLocalEpochs(), schedule, null, true).adaptation();
    }

    @Override
    public Personalization personalize(ClientTaskContext task, ImageDataset localTest) {
        double rate = FedAvgClient.learningRate(task);
        return train(task, task.spec().getPersonalizationEpochs(), epoch -> rate, localTest, false);
    }

    private static Personalization train(ClientTaskContext task, int epochs, IntToDoubleFunction schedule,
                                         ImageDataset localTest, boolean federatedRound) {
        JobSpec spec = task.spec();
        DartsOptions options = DartsFamily.options(spec.getModel());
        if (task.payload() == null) {
            throw new IllegalArgumentException("a perfedrlnas task carries its path as payload; this one has none");
        }
        SinglePath path = SinglePath.fromPayload(options.operationNames(), task.payload(), PerFedRlNas.PATH);
        DeviceProfiles.Device device = DeviceProfiles.of(spec, task.shard().clientId());
        PathCost cost = PathCost.of(options, path);
        long peakMemory = cost.peakTrainingBytes(spec.getBatchSize());
        boolean overBudget = peakMemory > device.memoryBytes();
        ImageDataset train = task.shard().train();
        try (NDManager manager = Engines.newManager()) {
            SearchNetwork network = (SearchNetwork) ModelFactory.buildAllocated(spec.getModel(), manager);
            BlockParameters.load(network, task.globalModel());
            network.setRelaxation(new Relaxation(MixingMode.SOFTMAX, 1.0, path.toMask()));
            int evalBatch = Math.max(spec.getBatchSize(), Evaluator.DEFAULT_BATCH);
            // The received supernet's BN statistics are the mean over clients and over whatever paths they
            // trained: re-measured under this client's path on its own images, for the figures only.
            Metrics[] received = BatchNormRecalibration.withOwnStatistics(network, train, spec.getBatchSize(),
                    () -> new Metrics[] {
                            localTest == null ? null : Evaluator.evaluate(network, localTest, evalBatch),
                            Evaluator.evaluate(network, task.shard().validation(), evalBatch)});
            Metrics globalTest = received[0];
            Metrics before = received[1];
            Metrics training = overBudget ? Metrics.empty()
                    : SubnetTrainer.train(network, PathSlices.of(options, path), train, epochs, spec.getBatchSize(),
                            schedule, spec.getMomentum(), spec.getWeightDecay(),
                            Seeds.derive(spec.getSeed(), task.shard().clientId(), task.round()));
            Metrics after = overBudget ? before : Evaluator.evaluate(network, task.shard().validation(), evalBatch);
            Metrics test = localTest == null ? null : Evaluator.evaluate(network, localTest, evalBatch);
            double rewardAccuracy = 0;
            if (!overBudget) {
                rewardAccuracy = federatedRound && PerFedRlNas.rewardOnTest(spec)
                        ? Evaluator.evaluate(network, requireLocalTest(task), evalBatch).accuracy()
                        : after.accuracy();
            }
            Map<String, Double> custom = new HashMap<>(path.toMetrics());
            custom.put(REWARD_ACCURACY, rewardAccuracy);
            custom.put(TRAINED, overBudget ? 0.0 : 1.0);
            custom.put(OVER_BUDGET, overBudget ? 1.0 : 0.0);
            custom.put(SUBNET_PARAMETERS, (double) cost.parameters());
            custom.put(SUBNET_MACS, (double) cost.macs());
            custom.put(SUBNET_BYTES, (double) cost.bytes());
            custom.put(PEAK_MEMORY_BYTES, (double) peakMemory);
            if (!Double.isInfinite(device.memoryBytes())) {
                custom.put(MEMORY_BUDGET_BYTES, device.memoryBytes());
            }
            custom.put(SIMULATED_COMPUTE_SECONDS, overBudget ? 0.0
                    : simulatedComputeSeconds(cost, (long) train.size() * epochs, device));
            custom.put(DEVICE_TIER, (double) device.tier());
            custom.put("globalValidationLoss", before.loss());
            ClientOutcome outcome = new ClientOutcome(
                    overBudget ? task.globalModel() : BlockParameters.read(network), train.size(), training.steps(),
                    training.loss(), training.accuracy(), after.loss(), after.accuracy(), before.accuracy(),
                    after.samples(), Map.copyOf(custom));
            return new Personalization(outcome, test, globalTest);
        }
    }

    /** Forward and backward (about 3× the forward MACs) over every training sample, at the device's speed. */
    static double simulatedComputeSeconds(PathCost cost, long samples, DeviceProfiles.Device device) {
        return 3.0 * cost.macs() * samples / device.macsPerSecond();
    }

    private static ImageDataset requireLocalTest(ClientTaskContext task) {
        if (task.localTest() == null) {
            throw new IllegalStateException("rewardSplit test needs the client's local test split, which this runner "
                    + "does not provide");
        }
        return task.localTest().get();
    }
}
