package io.fedarch.core.algorithms.fedmetanas;

import io.fedarch.core.algorithms.fedavg.FedAvgClient;
import io.fedarch.core.algorithms.fednas.FedNas;
import io.fedarch.core.darts.SupernetSearch;
import io.fedarch.core.strategy.ClientTaskContext;
import io.fedarch.core.strategy.ClientOutcome;
import io.fedarch.core.strategy.HyperParameters;
import io.fedarch.core.strategy.Personalization;
import io.fedarch.core.strategy.ClientProcedure;
import java.util.Map;

import io.fedarch.core.algorithms.fedmetanas.MamlSearchTrainer;
import io.fedarch.core.algorithms.fedmetanas.MamlSettings;
import io.fedarch.core.darts.OperationMask;
import io.fedarch.core.darts.Relaxation;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.util.Seeds;
import io.fedarch.events.JobSpec;

/**
 * FedMetaNAS's client: the received supernet, relaxed with this round's Gumbel temperature and
 * restricted to this round's mask, is meta-trained on the client's task ({@link MamlSearchTrainer}:
 * support = training split, query = validation split) and sent back with its sample count.
 * Evaluations use the deterministic relaxation softmax(α + log m) over the unmasked operations.
 * <p>
 * Personalization is the same procedure for personalizationEpochs on the client's own data (the
 * task learner adapting w and α), evaluated on the client's local test split.
 */
public final class FedMetaNasClient implements ClientProcedure {

    @Override
    public ClientOutcome run(ClientTaskContext task) {
        return search(task, task.spec().getLocalEpochs(), null).adaptation();
    }

    @Override
    public Personalization personalize(ClientTaskContext task, ImageDataset localTest) {
        return search(task, task.spec().getPersonalizationEpochs(), localTest);
    }

    private static Personalization search(ClientTaskContext task, int epochs, ImageDataset localTest) {
        MamlSettings settings = settings(task, epochs);
        OperationMask mask = FedMetaNas.mask(task);
        return SupernetSearch.run(task, settings.relaxation(), localTest, network -> {
            MamlSearchTrainer.Outcome search = MamlSearchTrainer.search(network, task.shard().train(),
                    task.shard().validation(), settings);
            return new SupernetSearch.Result(search.training(), Map.of(
                    "queryLoss", search.queryLoss(),
                    "temperature", settings.relaxation().temperature(),
                    "skippedSteps", (double) search.skippedSteps(),
                    "activeOperations", (double) (mask == null ? -1 : mask.activeOperations())));
        });
    }

    static MamlSettings settings(ClientTaskContext task, int epochs) {
        JobSpec spec = task.spec();
        double learningRate = FedAvgClient.learningRate(task);
        String temperature = task.roundConfig() == null ? null : task.roundConfig().get(FedMetaNas.TEMPERATURE);
        double tau = temperature == null ? FedMetaNas.temperature(spec, task.round()) : Double.parseDouble(temperature);
        Relaxation relaxation = new Relaxation(FedMetaNas.mixingMode(spec), tau, FedMetaNas.mask(task));
        return new MamlSettings(epochs, spec.getBatchSize(), learningRate, spec.getMomentum(), spec.getWeightDecay(),
                HyperParameters.number(spec, FedNas.GRADIENT_CLIP, FedNas.DEFAULT_GRADIENT_CLIP),
                spec.getArchLearningRate(),
                HyperParameters.number(spec, FedNas.ARCH_WEIGHT_DECAY, FedNas.DEFAULT_ARCH_WEIGHT_DECAY),
                (int) HyperParameters.number(spec, FedMetaNas.INNER_STEPS, 1),
                HyperParameters.number(spec, FedMetaNas.INNER_LEARNING_RATE, learningRate),
                HyperParameters.number(spec, FedMetaNas.INNER_ARCH_LEARNING_RATE,
                        FedMetaNas.DEFAULT_INNER_ARCH_LEARNING_RATE),
                FedMetaNas.secondOrder(spec), relaxation, Seeds.derive(spec.getSeed(), task.shard().clientId(), task.round()));
    }
}
