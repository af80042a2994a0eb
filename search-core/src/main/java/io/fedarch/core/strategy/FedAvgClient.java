package io.fedarch.core.strategy;

import io.fedarch.core.model.Engines;
import java.util.Map;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.fedarch.core.model.BlockParameters;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.train.Evaluator;
import io.fedarch.core.train.LocalTrainer;
import io.fedarch.core.train.Metrics;
import io.fedarch.core.train.TrainingSettings;
import io.fedarch.core.util.Seeds;

/**
 * FedAvg's client: evaluate the received global model on the local validation split, train it
 * with SGD on the local training split, evaluate the result, and send it back weighted by the
 * training split's size.
 */
public final class FedAvgClient implements ClientProcedure {

    @Override
    public ClientOutcome run(ClientTaskContext task) {
        var spec = task.spec();
        double learningRate = learningRate(task);
        int clientId = task.shard().clientId();
        TrainingSettings settings = TrainingSettings.of(spec, learningRate,
                Seeds.derive(spec.getSeed(), clientId, task.round()));
        try (NDManager manager = Engines.newManager()) {
            Block block = ModelFactory.buildAllocated(spec.getModel(), manager);
            BlockParameters.load(block, task.globalModel());
            int evalBatch = Math.max(spec.getBatchSize(), Evaluator.DEFAULT_BATCH);
            Metrics before = Evaluator.evaluate(block, task.shard().validation(), evalBatch);
            Metrics training = LocalTrainer.train(block, task.shard().train(), settings);
            Metrics after = Evaluator.evaluate(block, task.shard().validation(), evalBatch);
            return new ClientOutcome(BlockParameters.read(block), task.shard().train().size(), training.steps(),
                    training.loss(), training.accuracy(), after.loss(), after.accuracy(), before.accuracy(),
                    after.samples(), Map.of("globalValidationLoss", before.loss()));
        }
    }

    private static double learningRate(ClientTaskContext task) {
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
