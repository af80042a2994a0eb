package io.fedarch.core.algorithms.metadnas;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.fedarch.core.algorithms.fedavg.FedAvgClient;
import io.fedarch.core.algorithms.fednas.FedNas;
import io.fedarch.core.algorithms.fednas.SearchSettings;
import io.fedarch.core.algorithms.fednas.SearchTrainer;
import io.fedarch.core.darts.DartsFamily;
import io.fedarch.core.darts.DartsOptions;
import io.fedarch.core.darts.DerivedOptions;
import io.fedarch.core.darts.Genotype;
import io.fedarch.core.darts.GenotypeDerivation;
import io.fedarch.core.darts.GenotypeMetrics;
import io.fedarch.core.darts.Primitive;
import io.fedarch.core.darts.Relaxation;
import io.fedarch.core.darts.SearchNetwork;
import io.fedarch.core.darts.SupernetSearch;
import io.fedarch.core.darts.WeightInheritance;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.model.BlockParameters;
import io.fedarch.core.model.Engines;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.model.ModelSummary;
import io.fedarch.core.strategy.ClientOutcome;
import io.fedarch.core.strategy.ClientProcedure;
import io.fedarch.core.strategy.ClientTaskContext;
import io.fedarch.core.strategy.HyperParameters;
import io.fedarch.core.strategy.Personalization;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.train.Evaluator;
import io.fedarch.core.train.Metrics;
import io.fedarch.core.train.TrainingSettings;
import io.fedarch.core.util.Seeds;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelSpec;

/**
 * Meta-DNAS's client: the inner adaptation is a local DARTS search from the received Θ — FedNAS's
 * MiLeNAS loop with the {@link ComplexityRegularizer} in α's objective.
 * <ul>
 *   <li>Reptile: search on the training and validation splits for localEpochs and send Θ′.</li>
 *   <li>FOMAML: search with the first half of the validation split, then send the query gradient
 *       on the second half ({@link QueryGradient}).</li>
 *   <li>Personalization: search for personalizationEpochs (at the personalization learning
 *       rate), derive the genotype of the client's own α, cut the derived network's weights out of
 *       the adapted supernet, recalibrate its BN statistics and fine-tune it
 *       ({@link DerivedFineTune}); the derived network is the client's model, measured on its local
 *       test split, and its genotype is reported as numbers ({@link GenotypeMetrics}).</li>
 * </ul>
 * Every task reports the expected MACs under its α, the regulariser's value and the share of
 * parameter-free operations (pools, skip, none) in softmax(α): a MACs penalty pushes α towards
 * them, so it is kept visible.
 */
public final class MetaDnasClient implements ClientProcedure {

    @Override
    public ClientOutcome run(ClientTaskContext task) {
        JobSpec spec = task.spec();
        ComplexityRegularizer regularizer = MetaDnas.regularizer(spec, task.shard().clientId());
        SearchSettings settings = settings(task, spec.getLocalEpochs(), FedAvgClient.learningRate(task));
        boolean fomaml = MetaDnas.fomaml(spec);
        return SupernetSearch.run(task, Relaxation.DARTS, null, network -> {
            ImageDataset validation = task.shard().validation();
            ImageDataset support = fomaml ? validation.head(validation.size() / 2) : validation;
            SearchTrainer.Outcome search = SearchTrainer.search(network, task.shard().train(), support, settings,
                    regularizer);
            Map<String, Double> custom = searchFigures(network, regularizer, search);
            ModelParameters sent = null;
            if (fomaml) {
                QueryGradient.Result query = QueryGradient.compute(network, tail(validation, support.size()),
                        spec.getBatchSize(), regularizer);
                sent = query.sent();
                custom.put(MetaDnas.QUERY_LOSS, query.queryLoss());
            }
            return new SupernetSearch.Result(search.training(), custom, sent);
        }).adaptation();
    }

    @Override
    public Personalization personalize(ClientTaskContext task, ImageDataset localTest) {
        JobSpec spec = task.spec();
        int clientId = task.shard().clientId();
        DartsOptions options = DartsFamily.options(spec.getModel());
        ComplexityRegularizer regularizer = MetaDnas.regularizer(spec, clientId);
        double rate = FedAvgClient.learningRate(task);
        int evalBatch = Math.max(spec.getBatchSize(), Evaluator.DEFAULT_BATCH);
        ImageDataset train = task.shard().train();
        try (NDManager manager = Engines.newManager()) {
            SearchNetwork supernet = (SearchNetwork) ModelFactory.buildAllocated(spec.getModel(), manager);
            BlockParameters.load(supernet, task.globalModel());
            supernet.setRelaxation(Relaxation.DARTS);
            Metrics globalTest = Evaluator.evaluate(supernet, localTest, evalBatch);
            Metrics before = Evaluator.evaluate(supernet, task.shard().validation(), evalBatch);
            SearchTrainer.Outcome search = SearchTrainer.search(supernet, train, task.shard().validation(),
                    settings(task, spec.getPersonalizationEpochs(), rate), regularizer);
            Metrics supernetTest = Evaluator.evaluate(supernet, localTest, evalBatch);
            Map<String, Double> custom = searchFigures(supernet, regularizer, search);

            ModelParameters adapted = BlockParameters.read(supernet);
            Genotype genotype = GenotypeDerivation.derive(adapted, options);
            ModelSpec derivedSpec = DerivedOptions.modelSpec(options, genotype);
            Block derived = ModelFactory.buildAllocated(derivedSpec, manager);
            BlockParameters.load(derived, WeightInheritance.fromSupernet(adapted, options, genotype));
            Metrics fineTuning = DerivedFineTune.run(derived, train, new TrainingSettings(
                    MetaDnas.derivedFineTuneEpochs(spec), spec.getBatchSize(), rate, spec.getMomentum(),
                    spec.getWeightDecay(), Seeds.derive(spec.getSeed(), clientId, task.round(), 0xd3L)));
            Metrics after = Evaluator.evaluate(derived, task.shard().validation(), evalBatch);
            Metrics test = Evaluator.evaluate(derived, localTest, evalBatch);

            custom.putAll(GenotypeMetrics.toMetrics(genotype, options.operationNames()));
            custom.put(MetaDnas.SUPERNET_LOCAL_TEST_ACCURACY, supernetTest.accuracy());
            custom.put(MetaDnas.PARAMETER_FREE_SHARE, GenotypeMetrics.parameterFreeShare(genotype));
            custom.put("derivedMacs", (double) ModelSummary.of(derivedSpec).macs());
            custom.put("fineTuneSteps", (double) fineTuning.steps());
            custom.put(MetaDnas.HELD_OUT, MetaDnas.isHeldOut(spec, clientId) ? 1.0 : 0.0);
            custom.put("globalValidationLoss", before.loss());
            Metrics training = search.training();
            ClientOutcome outcome = new ClientOutcome(BlockParameters.read(derived), train.size(),
                    training.steps() + fineTuning.steps(), training.loss(), training.accuracy(), after.loss(),
                    after.accuracy(), before.accuracy(), after.samples(), Map.copyOf(custom));
            return new Personalization(outcome, test, globalTest);
        }
    }

    /** The regulariser's figures at the searched α, and the search's own. */
    private static Map<String, Double> searchFigures(SearchNetwork network, ComplexityRegularizer regularizer,
                                                     SearchTrainer.Outcome search) {
        List<float[]> alphas = List.of(network.architectureParameters().get(0).getArray().toFloatArray(),
                network.architectureParameters().get(1).getArray().toFloatArray());
        Map<String, Double> custom = new HashMap<>();
        custom.put("searchValidationLoss", search.architectureValidationLoss());
        custom.put(MetaDnas.EXPECTED_MACS, regularizer.expectedMacs(alphas));
        custom.put(MetaDnas.COMPLEXITY_PENALTY, regularizer.value(alphas));
        custom.put(MetaDnas.EXPECTED_PARAMETER_FREE_SHARE,
                expectedParameterFreeShare(network.options(), alphas));
        if (regularizer.hasBudget()) {
            custom.put(MetaDnas.MACS_BUDGET, regularizer.budget());
        }
        return custom;
    }

    /** The mean, over both cell types' edges, of softmax(α)'s weight on pools, skip and none. */
    static double expectedParameterFreeShare(DartsOptions options, List<float[]> alphas) {
        List<Primitive> ops = options.operations();
        int columns = ops.size();
        double share = 0;
        int edges = 0;
        for (float[] alpha : alphas) {
            for (int e = 0; e < alpha.length / columns; e++) {
                double[] p = GenotypeDerivation.softmax(java.util.Arrays.copyOfRange(alpha, e * columns, (e + 1) * columns));
                for (int o = 0; o < columns; o++) {
                    Primitive op = ops.get(o);
                    if (op.isPool() || op == Primitive.SKIP_CONNECT || op == Primitive.NONE) {
                        share += p[o];
                    }
                }
                edges++;
            }
        }
        return share / edges;
    }

    private static SearchSettings settings(ClientTaskContext task, int epochs, double learningRate) {
        JobSpec spec = task.spec();
        return new SearchSettings(epochs, spec.getBatchSize(), learningRate, spec.getMomentum(),
                spec.getWeightDecay(), HyperParameters.number(spec, FedNas.GRADIENT_CLIP, FedNas.DEFAULT_GRADIENT_CLIP),
                spec.getArchLearningRate(),
                HyperParameters.number(spec, FedNas.ARCH_WEIGHT_DECAY, FedNas.DEFAULT_ARCH_WEIGHT_DECAY),
                HyperParameters.number(spec, FedNas.LAMBDA, FedNas.DEFAULT_LAMBDA),
                Seeds.derive(spec.getSeed(), task.shard().clientId(), task.round()));
    }

    /** The samples of {@code data} from {@code from} on. */
    private static ImageDataset tail(ImageDataset data, int from) {
        int[] indices = new int[data.size() - from];
        for (int i = 0; i < indices.length; i++) {
            indices[i] = from + i;
        }
        return data.select(indices);
    }
}
