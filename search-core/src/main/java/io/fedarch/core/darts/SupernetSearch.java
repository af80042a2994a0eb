package io.fedarch.core.darts;

import io.fedarch.core.strategy.ClientTaskContext;
import io.fedarch.core.strategy.ClientOutcome;
import io.fedarch.core.strategy.Personalization;
import io.fedarch.core.strategy.TaskPhases;
import io.fedarch.core.strategy.TaskPhases.Phase;
import java.util.HashMap;
import java.util.Map;

import ai.djl.ndarray.NDManager;
import io.fedarch.core.darts.Relaxation;
import io.fedarch.core.darts.SearchNetwork;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.model.BlockParameters;
import io.fedarch.core.model.Engines;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.train.Evaluator;
import io.fedarch.core.train.Metrics;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.events.JobSpec;

/**
 * What every DARTS-space client does around its own local search: load the received supernet
 * under a relaxation, evaluate it on the local validation split (and the local test split when
 * personalizing), let the algorithm search in place, evaluate again, and send back the searched
 * supernet weighted by the training split's size. The received supernet (and a sampled or masked
 * relaxation's searched one) is evaluated with BN statistics re-measured on the client's data under
 * the evaluated mixture ({@link RelaxedEvaluation}).
 */
public final class SupernetSearch {

    /** The algorithm's local search: trains {@code network} in place. */
    public interface LocalSearch {
        Result search(SearchNetwork network);
    }

    /**
     * Training metrics of the search and the algorithm's own figures for ClientOutcome.custom.
     *
     * @param sent what the client sends instead of the searched supernet (Meta-DNAS's FOMAML: its query
     *             gradient, in the supernet's shape), or null to send the supernet
     */
    public record Result(Metrics training, Map<String, Double> custom, ModelParameters sent) {
        public Result(Metrics training, Map<String, Double> custom) {
            this(training, custom, null);
        }
    }

    private SupernetSearch() {
    }

    /**
     * The network on the validation split and (when personalizing) the local test split, with BN
     * statistics that match the evaluated mixture ({@link RelaxedEvaluation}).
     */
    private static Metrics[] evaluate(SearchNetwork network, Relaxation relaxation, boolean received,
                                      ClientTaskContext task, ImageDataset localTest, int evalBatch) {
        return RelaxedEvaluation.withMatchingStatistics(network, relaxation, received, task.shard().train(),
                task.spec().getBatchSize(), () -> new Metrics[] {
                        Evaluator.evaluate(network, task.shard().validation(), evalBatch),
                        localTest == null ? null : Evaluator.evaluate(network, localTest, evalBatch)});
    }

    /** @param localTest the client's local test split when personalizing, else null */
    public static Personalization run(ClientTaskContext task, Relaxation relaxation, ImageDataset localTest,
                               LocalSearch localSearch) {
        JobSpec spec = task.spec();
        try (NDManager manager = Engines.newManager()) {
            SearchNetwork network = TaskPhases.time(Phase.LOAD, () -> {
                SearchNetwork built = (SearchNetwork) ModelFactory.buildAllocated(spec.getModel(), manager);
                BlockParameters.load(built, task.globalModel());
                built.setRelaxation(relaxation);
                return built;
            });
            int evalBatch = Math.max(spec.getBatchSize(), Evaluator.DEFAULT_BATCH);
            Metrics[] received = TaskPhases.time(Phase.EVALUATE_GLOBAL,
                    () -> evaluate(network, relaxation, true, task, localTest, evalBatch));
            Metrics globalTest = received[1];
            Metrics before = received[0];
            Result search = TaskPhases.time(Phase.TRAIN, () -> localSearch.search(network));
            Metrics[] searched = TaskPhases.time(Phase.EVALUATE_LOCAL, () -> {
                if (localTest != null) {
                    // A personalized supernet is delivered as it is: it keeps the statistics its figures are measured with.
                    RelaxedEvaluation.keepMatchingStatistics(network, relaxation, task.shard().train(), spec.getBatchSize());
                }
                return evaluate(network, relaxation, false, task, localTest, evalBatch);
            });
            Metrics after = searched[0];
            Metrics test = searched[1];
            Metrics training = search.training();
            Map<String, Double> custom = new HashMap<>(search.custom());
            custom.put("globalValidationLoss", before.loss());
            ModelParameters sent = search.sent() != null ? search.sent()
                    : TaskPhases.time(Phase.UPDATE_ENCODE, () -> BlockParameters.read(network));
            ClientOutcome outcome = new ClientOutcome(sent, task.shard().train().size(),
                    training.steps(), training.loss(), training.accuracy(), after.loss(), after.accuracy(),
                    before.accuracy(), after.samples(), Map.copyOf(custom));
            return new Personalization(outcome, test, globalTest);
        }
    }
}
