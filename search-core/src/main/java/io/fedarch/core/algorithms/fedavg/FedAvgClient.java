package io.fedarch.core.algorithms.fedavg;

import io.fedarch.core.strategy.ClientTaskContext;
import io.fedarch.core.strategy.ClientOutcome;
import io.fedarch.core.strategy.Personalization;
import io.fedarch.core.strategy.ClientProcedure;
import io.fedarch.core.strategy.TaskPhases;
import io.fedarch.core.strategy.TaskPhases.Phase;
import java.util.Map;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.model.BlockParameters;
import io.fedarch.core.model.Engines;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.train.BatchNormRecalibration;
import io.fedarch.core.train.Evaluator;
import io.fedarch.core.train.LocalTrainer;
import io.fedarch.core.train.Metrics;
import io.fedarch.core.train.TrainingSettings;
import io.fedarch.core.util.Seeds;
import io.fedarch.events.JobSpec;

/**
 * FedAvg's client: evaluate the received global model on the local validation split, train it
 * with SGD on the local training split, evaluate the result, and send it back weighted by the
 * training split's size. Personalization is the same local training for personalizationEpochs
 * (FedAvg + local fine-tuning), evaluated on the client's local test split. In a statistics pass
 * the local training is replaced by BN recalibration: the model goes back with only its running
 * statistics changed, and steps 0.
 */
public final class FedAvgClient implements ClientProcedure {

    @Override
    public ClientOutcome run(ClientTaskContext task) {
        return train(task, task.spec().getLocalEpochs(), null).adaptation();
    }

    @Override
    public Personalization personalize(ClientTaskContext task, ImageDataset localTest) {
        return train(task, task.spec().getPersonalizationEpochs(), localTest);
    }

    private static Personalization train(ClientTaskContext task, int epochs, ImageDataset localTest) {
        JobSpec spec = task.spec();
        int clientId = task.shard().clientId();
        TrainingSettings settings = new TrainingSettings(epochs, spec.getBatchSize(), learningRate(task),
                spec.getMomentum(), spec.getWeightDecay(), Seeds.derive(spec.getSeed(), clientId, task.round()));
        try (NDManager manager = Engines.newManager()) {
            Block block = TaskPhases.time(Phase.LOAD, () -> {
                Block built = ModelFactory.buildAllocated(spec.getModel(), manager);
                BlockParameters.load(built, task.globalModel());
                return built;
            });
            int evalBatch = Math.max(spec.getBatchSize(), Evaluator.DEFAULT_BATCH);
            // The received model's BN statistics are the clients' mean: re-measured here for the figures only.
            Metrics[] received = TaskPhases.time(Phase.EVALUATE_GLOBAL, () -> BatchNormRecalibration.withOwnStatistics(
                    block, task.shard().train(), spec.getBatchSize(), () -> new Metrics[] {
                            Evaluator.evaluate(block, task.shard().validation(), evalBatch),
                            localTest == null ? null : Evaluator.evaluate(block, localTest, evalBatch)}));
            Metrics before = received[0];
            Metrics globalTest = received[1];
            Metrics training = TaskPhases.time(Phase.TRAIN, () -> statisticsOnly(task) && localTest == null
                    ? BatchNormRecalibration.recalibrate(block, task.shard().train(), spec.getBatchSize())
                    : LocalTrainer.train(block, task.shard().train(), settings));
            Metrics after = TaskPhases.time(Phase.EVALUATE_LOCAL,
                    () -> Evaluator.evaluate(block, task.shard().validation(), evalBatch));
            Metrics test = localTest == null ? null : TaskPhases.time(Phase.EVALUATE_LOCAL,
                    () -> Evaluator.evaluate(block, localTest, evalBatch));
            ClientOutcome outcome = new ClientOutcome(TaskPhases.time(Phase.UPDATE_ENCODE, () -> BlockParameters.read(block)),
                    task.shard().train().size(),
                    training.steps(), training.loss(), training.accuracy(), after.loss(), after.accuracy(),
                    before.accuracy(), after.samples(), Map.of("globalValidationLoss", before.loss()));
            return new Personalization(outcome, test, globalTest);
        }
    }

    /** Whether this round is FedAvg's statistics pass (see {@link FedAvg#STATISTICS_PASS}). */
    static boolean statisticsOnly(ClientTaskContext task) {
        return task.roundConfig() != null && Boolean.parseBoolean(task.roundConfig().get(FedAvg.STATISTICS_ONLY));
    }

    public static double learningRate(ClientTaskContext task) {
        String configured = task.roundConfig() == null ? null : task.roundConfig().get(FedAvg.LEARNING_RATE);
        if (configured == null) {
            return task.spec().getLearningRate();
        }
        try {
            return Double.parseDouble(configured);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("round config learningRate='" + configured + "' is not a number", e);
        }
    }
}
