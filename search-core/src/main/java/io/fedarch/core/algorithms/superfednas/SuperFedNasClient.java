package io.fedarch.core.algorithms.superfednas;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import ai.djl.ndarray.NDManager;
import io.fedarch.core.algorithms.fedavg.FedAvgClient;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.model.BlockParameters;
import io.fedarch.core.model.Engines;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.ofa.ElasticOptions;
import io.fedarch.core.ofa.ElasticResNet;
import io.fedarch.core.ofa.ElasticResNetFamily;
import io.fedarch.core.ofa.ElasticSubnetFamily;
import io.fedarch.core.ofa.SubnetConfig;
import io.fedarch.core.ofa.SubnetExtraction;
import io.fedarch.core.ofa.SubnetLayout;
import io.fedarch.core.strategy.ClientOutcome;
import io.fedarch.core.strategy.ClientProcedure;
import io.fedarch.core.strategy.ClientTaskContext;
import io.fedarch.core.strategy.Personalization;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.train.BatchNormRecalibration;
import io.fedarch.core.train.Evaluator;
import io.fedarch.core.train.Metrics;
import io.fedarch.core.util.Seeds;
import io.fedarch.events.JobSpec;

/**
 * SuperFedNAS's client. In a training round it cuts the subnet it was assigned out of the supernet,
 * trains it as a network of its own for localEpochs ({@link SubnetSgd}), writes it back into the
 * supernet's shape (elements outside the subnet bit-identical) and reports it with its architecture
 * (echoed as {@code arch.*}), parameters, MACs and bytes. In a selection round it scores every
 * candidate subnet of the evolutionary search on its validation split (accuracy per candidate,
 * {@code fitness.<i>}); nothing is trained and no image leaves the client.
 */
public final class SuperFedNasClient implements ClientProcedure {
    public static final String SUBNET_PARAMETERS = "subnetParameters";
    public static final String SUBNET_MACS = "subnetMacs";
    public static final String SUBNET_BYTES = "subnetBytes";
    /** Forward MACs of the round's local work: subnet MACs × samples seen (training) or evaluated (selection). */
    public static final String COMPUTE_MACS = "computeMacs";
    public static final String FITNESS_PREFIX = "fitness.";
    public static final String FITNESS_SAMPLES = "fitnessSamples";

    @Override
    public ClientOutcome run(ClientTaskContext task) {
        return SuperFedNas.SELECT.equals(task.roundConfig().get(SuperFedNas.PHASE)) ? score(task) : train(task);
    }

    @Override
    public Personalization personalize(ClientTaskContext task, ImageDataset localTest) {
        throw new IllegalArgumentException("superfednas has no personalization stage: it delivers one model per MACs budget");
    }

    private static ClientOutcome train(ClientTaskContext task) {
        JobSpec spec = task.spec();
        ElasticOptions options = ElasticResNetFamily.options(spec.getModel());
        String encoded = task.roundConfig().get(SuperFedNas.SUBNET);
        if (encoded == null) {
            throw new IllegalArgumentException("a superfednas training task names its subnet in round config '"
                    + SuperFedNas.SUBNET + "'; this one has none");
        }
        SubnetConfig subnet = SubnetConfig.decode(encoded).requireValid(options);
        SubnetLayout layout = SubnetLayout.of(options, subnet);
        ImageDataset train = task.shard().train();
        ImageDataset validation = task.shard().validation();
        int evalBatch = Math.max(spec.getBatchSize(), Evaluator.DEFAULT_BATCH);
        ModelParameters trained;
        Metrics before;
        Metrics training;
        Metrics after;
        try (NDManager manager = Engines.newManager()) {
            ElasticResNet network = (ElasticResNet) ModelFactory.buildAllocated(
                    ElasticSubnetFamily.spec(spec.getModel(), subnet), manager);
            BlockParameters.load(network, SubnetExtraction.cut(options, subnet, task.globalModel()));
            // The cut's BN statistics are the coverage-weighted mean over clients that trained other subnets on
            // other data: re-measured on this client's images for the received model's figure only.
            before = BatchNormRecalibration.withOwnStatistics(network, train, spec.getBatchSize(),
                    () -> Evaluator.evaluate(network, validation, evalBatch));
            training = SubnetSgd.train(network, train, spec.getLocalEpochs(), spec.getBatchSize(),
                    FedAvgClient.learningRate(task), spec.getMomentum(), spec.getWeightDecay(),
                    SuperFedNas.gradientClip(spec), Seeds.derive(spec.getSeed(), task.shard().clientId(), task.round()));
            after = Evaluator.evaluate(network, validation, evalBatch);
            trained = BlockParameters.read(network);
        }
        Map<String, Double> custom = new HashMap<>(subnet.toMetrics());
        custom.put(SUBNET_PARAMETERS, (double) layout.parameters());
        custom.put(SUBNET_MACS, (double) layout.macs());
        custom.put(SUBNET_BYTES, (double) layout.bytes());
        custom.put(COMPUTE_MACS, (double) layout.macs() * train.size() * spec.getLocalEpochs());
        return new ClientOutcome(SubnetExtraction.insert(options, subnet, task.globalModel(), trained), train.size(),
                training.steps(), training.loss(), training.accuracy(), after.loss(), after.accuracy(),
                before.accuracy(), after.samples(), Map.copyOf(custom));
    }

    /** Validation accuracy of every candidate, evaluated through the supernet with that subnet active. */
    private static ClientOutcome score(ClientTaskContext task) {
        JobSpec spec = task.spec();
        ElasticOptions options = ElasticResNetFamily.options(spec.getModel());
        List<SubnetConfig> candidates = SuperFedNas.decodeCandidates(task.roundConfig().get(SuperFedNas.CANDIDATES),
                options);
        ImageDataset validation = task.shard().validation();
        int evalBatch = Math.max(spec.getBatchSize(), Evaluator.DEFAULT_BATCH);
        Map<String, Double> custom = new HashMap<>();
        double best = 0;
        double bestLoss = 0;
        double compute = 0;
        List<Double> accuracies = new ArrayList<>();
        try (NDManager manager = Engines.newManager()) {
            ElasticResNet supernet = (ElasticResNet) ModelFactory.buildAllocated(spec.getModel(), manager);
            BlockParameters.load(supernet, task.globalModel());
            for (int i = 0; i < candidates.size(); i++) {
                supernet.setActiveSubnet(candidates.get(i));
                Metrics m = Evaluator.evaluate(supernet, validation, evalBatch);
                custom.put(FITNESS_PREFIX + i, m.accuracy());
                accuracies.add(m.accuracy());
                compute += (double) SubnetLayout.of(options, candidates.get(i)).macs() * validation.size();
                if (i == 0 || m.accuracy() > best) {
                    best = m.accuracy();
                    bestLoss = m.loss();
                }
            }
        }
        custom.put(FITNESS_SAMPLES, (double) validation.size());
        custom.put(COMPUTE_MACS, compute);
        // The update's weight must be positive; a client without validation images weighs nothing in the fitness.
        return new ClientOutcome(task.globalModel(), Math.max(1, validation.size()), 0, 0, 0, bestLoss, best, best,
                validation.size(), Map.copyOf(custom));
    }
}
