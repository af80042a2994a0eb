package io.fedarch.core.strategy;

import java.util.Map;

import ai.djl.ndarray.NDManager;
import io.fedarch.core.data.ImageDataset;
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
 * <p>
 * Personalization is FedNAS's local adaptation: the same search, α included, for
 * personalizationEpochs on the client's own data, so each client ends with its own architecture
 * (derived from its α) and weights, evaluated on its local test split.
 */
public final class FedNasClient implements ClientProcedure {

    @Override
    public ClientOutcome run(ClientTaskContext task) {
        return search(task, task.spec().getLocalEpochs(), null).adaptation();
    }

    @Override
    public Personalization personalize(ClientTaskContext task, ImageDataset localTest) {
        return search(task, task.spec().getPersonalizationEpochs(), localTest);
    }

    private static Personalization search(ClientTaskContext task, int epochs, ImageDataset localTest) {
        JobSpec spec = task.spec();
        SearchSettings settings = settings(task, epochs);
        try (NDManager manager = Engines.newManager()) {
            SearchNetwork network = (SearchNetwork) ModelFactory.buildAllocated(spec.getModel(), manager);
            BlockParameters.load(network, task.globalModel());
            int evalBatch = Math.max(spec.getBatchSize(), Evaluator.DEFAULT_BATCH);
            Metrics globalTest = localTest == null ? null : Evaluator.evaluate(network, localTest, evalBatch);
            Metrics before = Evaluator.evaluate(network, task.shard().validation(), evalBatch);
            SearchTrainer.Outcome search = SearchTrainer.search(network, task.shard().train(), task.shard().validation(),
                    settings);
            Metrics after = Evaluator.evaluate(network, task.shard().validation(), evalBatch);
            Metrics test = localTest == null ? null : Evaluator.evaluate(network, localTest, evalBatch);
            Metrics training = search.training();
            ClientOutcome outcome = new ClientOutcome(BlockParameters.read(network), task.shard().train().size(),
                    training.steps(), training.loss(), training.accuracy(), after.loss(), after.accuracy(),
                    before.accuracy(), after.samples(), Map.of("globalValidationLoss", before.loss(),
                            "searchValidationLoss", search.architectureValidationLoss()));
            return new Personalization(outcome, test, globalTest);
        }
    }

    /** The job's search settings with this round's learning rate (from the round config, else the job's). */
    static SearchSettings settings(ClientTaskContext task) {
        return settings(task, task.spec().getLocalEpochs());
    }

    private static SearchSettings settings(ClientTaskContext task, int epochs) {
        JobSpec spec = task.spec();
        return new SearchSettings(epochs, spec.getBatchSize(), FedAvgClient.learningRate(task), spec.getMomentum(),
                spec.getWeightDecay(), FedNas.hyperParameter(spec, FedNas.GRADIENT_CLIP, FedNas.DEFAULT_GRADIENT_CLIP),
                spec.getArchLearningRate(),
                FedNas.hyperParameter(spec, FedNas.ARCH_WEIGHT_DECAY, FedNas.DEFAULT_ARCH_WEIGHT_DECAY),
                FedNas.hyperParameter(spec, FedNas.LAMBDA, FedNas.DEFAULT_LAMBDA),
                Seeds.derive(spec.getSeed(), task.shard().clientId(), task.round()));
    }
}
