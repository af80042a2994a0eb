package io.fedarch.core.algorithms.fednas;

import io.fedarch.core.algorithms.fedavg.FedAvgClient;
import io.fedarch.core.darts.SupernetSearch;
import io.fedarch.core.strategy.ClientTaskContext;
import io.fedarch.core.strategy.ClientOutcome;
import io.fedarch.core.strategy.HyperParameters;
import io.fedarch.core.strategy.Personalization;
import io.fedarch.core.strategy.ClientProcedure;
import java.util.Map;

import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.darts.Relaxation;
import io.fedarch.core.algorithms.fednas.SearchSettings;
import io.fedarch.core.algorithms.fednas.SearchTrainer;
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
        SearchSettings settings = settings(task, epochs);
        return SupernetSearch.run(task, Relaxation.DARTS, localTest, network -> {
            SearchTrainer.Outcome search = SearchTrainer.search(network, task.shard().train(),
                    task.shard().validation(), settings);
            return new SupernetSearch.Result(search.training(),
                    Map.of("searchValidationLoss", search.architectureValidationLoss()));
        });
    }

    /** The job's search settings with this round's learning rate (from the round config, else the job's). */
    static SearchSettings settings(ClientTaskContext task) {
        return settings(task, task.spec().getLocalEpochs());
    }

    private static SearchSettings settings(ClientTaskContext task, int epochs) {
        JobSpec spec = task.spec();
        return new SearchSettings(epochs, spec.getBatchSize(), FedAvgClient.learningRate(task), spec.getMomentum(),
                spec.getWeightDecay(), HyperParameters.number(spec, FedNas.GRADIENT_CLIP, FedNas.DEFAULT_GRADIENT_CLIP),
                spec.getArchLearningRate(),
                HyperParameters.number(spec, FedNas.ARCH_WEIGHT_DECAY, FedNas.DEFAULT_ARCH_WEIGHT_DECAY),
                HyperParameters.number(spec, FedNas.LAMBDA, FedNas.DEFAULT_LAMBDA),
                Seeds.derive(spec.getSeed(), task.shard().clientId(), task.round()),
                task.roundConfig() != null && Boolean.parseBoolean(task.roundConfig().get(FedNas.ARCHITECTURE_FROZEN)));
    }
}
