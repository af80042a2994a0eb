package io.fedarch.core.bench;

import java.util.Map;

import io.fedarch.core.data.FashionMnist;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.data.ShardProvider;
import io.fedarch.core.algorithms.fedavg.FedAvg;
import io.fedarch.core.federation.InProcessFederation;
import io.fedarch.events.DataSpec;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelSpec;
import io.fedarch.events.PartitionScheme;
import io.fedarch.events.PartitionSpec;

/**
 * In-process FedAvg on the full Fashion-MNIST training set, evaluated on the full test set.
 * Usage: FedAvgBenchmark conv1 conv2 hidden rounds localEpochs learningRate momentum alpha [clients] [batch].
 * Not a test: run by hand to size the defaults (see CnnOptions.DEFAULTS).
 */
public final class FedAvgBenchmark {
    public static void main(String[] args) {
        int clients = args.length > 8 ? Integer.parseInt(args[8]) : 10;
        int batch = args.length > 9 ? Integer.parseInt(args[9]) : 64;
        JobSpec spec = JobSpec.newBuilder()
                .setModel(ModelSpec.newBuilder().setFamily("cnn")
                        .setOptions(Map.of("conv1", args[0], "conv2", args[1], "hidden", args[2])).build())
                .setData(DataSpec.newBuilder().setPartition(PartitionSpec.newBuilder()
                        .setScheme(PartitionScheme.DIRICHLET).setDirichletAlpha(Double.parseDouble(args[7])).build()).build())
                .setTotalClients(clients).setClientsPerRound(clients)
                .setRounds(Integer.parseInt(args[3])).setLocalEpochs(Integer.parseInt(args[4]))
                .setLearningRate(Double.parseDouble(args[5])).setMomentum(Double.parseDouble(args[6]))
                .setBatchSize(batch)
                .build();
        ShardProvider shards = ShardProvider.withDefaults();
        long start = System.nanoTime();
        ImageDataset test = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TEST, null);
        InProcessFederation.Result result = new InProcessFederation(new FedAvg(), shards).run(spec, test, 1, r ->
                System.out.printf("round %d: %d ms, train loss %.3f, global val acc %.4f, test acc %s (elapsed %.1f s)%n",
                        r.round(), r.millis(), r.trainLoss(), r.globalValidationAccuracy(),
                        r.test() == null ? "-" : String.format("%.4f", r.test().accuracy()),
                        (System.nanoTime() - start) / 1e9));
        System.out.printf("FINAL %s rounds=%d epochs=%d lr=%s m=%s alpha=%s clients=%d batch=%d: test acc %.4f, wall %.1f s%n",
                spec.getModel().getOptions(), spec.getRounds(), spec.getLocalEpochs(), args[5], args[6], args[7],
                clients, batch, result.last().test().accuracy(), (System.nanoTime() - start) / 1e9);
    }
}
