package io.fedarch.core.bench;

import java.util.Map;

import ai.djl.ndarray.NDManager;
import io.fedarch.core.darts.MixingMode;
import io.fedarch.core.darts.Relaxation;
import io.fedarch.core.darts.SearchNetwork;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.model.BlockParameters;
import io.fedarch.core.model.Engines;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.train.Evaluator;
import io.fedarch.core.data.ShardProvider;
import io.fedarch.core.algorithms.fedmetanas.FedMetaNas;
import io.fedarch.core.federation.InProcessFederation;
import io.fedarch.events.DataSpec;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelSpec;
import io.fedarch.events.PartitionScheme;
import io.fedarch.events.PartitionSpec;

/**
 * First- vs second-order MAML in a whole (small) FedMetaNAS search, in one JVM with the clients
 * one after another: wall time and the relaxed supernet's test accuracy after the last round.
 * Usage: MamlOrderComparison [rounds] [trainLimit].
 */
public final class MamlOrderComparison {
    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 6;
        int trainLimit = args.length > 1 ? Integer.parseInt(args[1]) : 3000;
        ShardProvider shards = ShardProvider.withDefaults();
        for (String secondOrder : new String[] {"false", "true"}) {
            JobSpec spec = JobSpec.newBuilder()
                    .setAlgorithm(FedMetaNas.NAME)
                    .setModel(ModelSpec.newBuilder().setFamily("darts")
                            .setOptions(Map.of("channels", "4", "layers", "3", "stemStride", "2")).build())
                    .setData(DataSpec.newBuilder().setTrainLimit(trainLimit).setTestLimit(2000)
                            .setPartition(PartitionSpec.newBuilder().setScheme(PartitionScheme.DIRICHLET)
                                    .setDirichletAlpha(0.5).setValidationFraction(0.3).build()).build())
                    .setTotalClients(3).setClientsPerRound(3).setRounds(rounds).setLocalEpochs(1)
                    .setBatchSize(64).setLearningRate(0.05).setMomentum(0.9).setWeightDecay(3e-4).setSeed(42)
                    .setArchLearningRate(0.003).setHyperParameters(Map.of(FedMetaNas.SECOND_ORDER, secondOrder))
                    .build();
            ImageDataset test = shards.testSet(spec);
            long start = System.nanoTime();
            InProcessFederation.Result result = new InProcessFederation(new FedMetaNas(), shards).run(spec, null, 0,
                    r -> System.out.printf("  secondOrder=%s round %d: %d ms, global val acc %.4f%n", secondOrder,
                            r.round(), r.millis(), r.globalValidationAccuracy()));
            double seconds = (System.nanoTime() - start) / 1e9;
            double accuracy;
            try (NDManager manager = Engines.newManager()) {
                SearchNetwork network = (SearchNetwork) ModelFactory.buildAllocated(spec.getModel(), manager);
                BlockParameters.load(network, result.model());
                network.setRelaxation(new Relaxation(MixingMode.SOFTMAX, 1, FedMetaNas.mask(spec, result.lastState())));
                accuracy = Evaluator.evaluate(network, test, 500).accuracy();
            }
            System.out.printf("secondOrder=%s: %d rounds in %.1f s; relaxed supernet test accuracy %.4f (%d images)%n",
                    secondOrder, rounds, seconds, accuracy, test.size());
        }
    }
}
