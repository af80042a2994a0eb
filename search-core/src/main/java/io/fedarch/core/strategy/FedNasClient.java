package io.fedarch.core.strategy;

import java.util.Map;

import ai.djl.ndarray.NDManager;
import io.fedarch.core.darts.SearchNetwork;
import io.fedarch.core.darts.SearchSettings;
import io.fedarch.core.darts.SearchTrainer;
import io.fedarch.core.model.BlockParameters;
import io.fedarch.core.model.Engines;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.train.Evaluator;
import io.fedarch.core.train.Metrics;
import io.fedarch.core.util.Seeds;
import io.fedarch.events.JobSpec;

/**
 * FedNAS's client: evaluate the received supernet on the local validation split, run the local
 * MiLeNAS search (w on the training split, α on training + validation) for localEpochs, evaluate
 * again, and send back w and α weighted by the training split's size. The genotype is not part of
 * the outcome (custom metrics are numbers); the server derives it from the aggregated α.
 */
public final class FedNasClient implements ClientProcedure {

    @Override
    public ClientOutcome run(ClientTaskContext task) {
        JobSpec spec = task.spec();
        SearchSettings settings = settings(task);
        try (NDManager manager = Engines.newManager()) {
            SearchNetwork network = (SearchNetwork) ModelFactory.buildAllocated(spec.getModel(), manager);
            BlockParameters.load(network, task.globalModel());
            int evalBatch = Math.max(spec.getBatchSize(), Evaluator.DEFAULT_BATCH);
            Metrics before = Evaluator.evaluate(network, task.shard().validation(), evalBatch);
            SearchTrainer.Outcome search = SearchTrainer.search(network, task.shard().train(), task.shard().validation(),
                    settings);
            Metrics after = Evaluator.evaluate(network, task.shard().validation(), evalBatch);
            Metrics training = search.training();
            return new ClientOutcome(BlockParameters.read(network), task.shard().train().size(), training.steps(),
                    training.loss(), training.accuracy(), after.loss(), after.accuracy(), before.accuracy(),
                    after.samples(), Map.of("globalValidationLoss", before.loss(),
                            "searchValidationLoss", search.architectureValidationLoss()));
        }
    }

    /** The job's search settings with this round's learning rate (from the round config, else the job's). */
    static SearchSettings settings(ClientTaskContext task) {
        JobSpec spec = task.spec();
        String configured = task.roundConfig() == null ? null : task.roundConfig().get(FedAvg.LEARNING_RATE);
        double learningRate;
        try {
            learningRate = configured == null ? spec.getLearningRate() : Double.parseDouble(configured);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("round config learningRate='" + configured + "' is not a number", e);
        }
        return new SearchSettings(spec.getLocalEpochs(), spec.getBatchSize(), learningRate, spec.getMomentum(),
                spec.getWeightDecay(), FedNas.hyperParameter(spec, FedNas.GRADIENT_CLIP, FedNas.DEFAULT_GRADIENT_CLIP),
                spec.getArchLearningRate(),
                FedNas.hyperParameter(spec, FedNas.ARCH_WEIGHT_DECAY, FedNas.DEFAULT_ARCH_WEIGHT_DECAY),
                FedNas.hyperParameter(spec, FedNas.LAMBDA, FedNas.DEFAULT_LAMBDA),
                Seeds.derive(spec.getSeed(), task.shard().clientId(), task.round()));
    }
}
