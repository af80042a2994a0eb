package io.fedarch.core.bench;

import java.util.HashMap;
import java.util.Map;

import io.fedarch.core.algorithms.metadnas.MetaDnas;
import io.fedarch.core.data.ShardProvider;
import io.fedarch.core.federation.InProcessFederation;
import io.fedarch.core.strategy.ClientInstruction;
import io.fedarch.core.strategy.ClientTaskContext;
import io.fedarch.core.strategy.Personalization;
import io.fedarch.core.strategy.RoundPlan;
import io.fedarch.events.DataSpec;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelSpec;
import io.fedarch.events.PartitionScheme;
import io.fedarch.events.PartitionSpec;

/**
 * How many epochs of fine-tuning a Meta-DNAS client's derived network needs (bench/derived-fine-tune.md):
 * one small federation in process (5 clients of the C=4, 3-cell DARTS space, the last held out, 3
 * Reptile/Adam rounds of 4 clients at meta rate 0.01, Dirichlet 0.5, 2,000 training images, seed 11),
 * then every client's personalization (1 epoch of regularised search, the derived network, BN
 * recalibration, fine-tuning, BN recalibration) repeated for each number of fine-tuning epochs; prints
 * the clients' mean local test accuracy of the derived network, of the relaxed adapted supernet and of
 * the received meta-model. Usage: DerivedFineTuneSweep (no arguments; about 5 minutes on 2 cores).
 */
public final class DerivedFineTuneSweep {
    public static void main(String[] args) {
        MetaDnas strategy = new MetaDnas();
        JobSpec base = JobSpec.newBuilder()
                .setAlgorithm(MetaDnas.NAME)
                .setModel(ModelSpec.newBuilder().setFamily("darts").setOptions(Map.of("channels", "4", "layers", "3",
                        "stemStride", "2")).build())
                .setData(DataSpec.newBuilder().setTrainLimit(2000).setTestLimit(1500)
                        .setPartition(PartitionSpec.newBuilder().setScheme(PartitionScheme.DIRICHLET).setDirichletAlpha(0.5)
                                .setValidationFraction(0.3).build()).build())
                .setTotalClients(5).setClientsPerRound(4).setRounds(3).setLocalEpochs(1)
                .setBatchSize(32).setLearningRate(0.025).setMomentum(0.9).setWeightDecay(3e-4).setSeed(11)
                .setArchLearningRate(0.01).setPersonalizationEpochs(1)
                .setHyperParameters(Map.of("heldOutClients", "1", "metaLearningRate", "0.01"))
                .build();
        ShardProvider shards = ShardProvider.withDefaults();
        InProcessFederation.Result result = new InProcessFederation(strategy, shards).run(base, null, 0, null);
        int clients = base.getTotalClients();
        for (String epochs : new String[] {"0", "1", "3", "6"}) {
            for (String rate : new String[] {"0.025"}) {
                Map<String, String> knobs = new HashMap<>(base.getHyperParameters());
                knobs.put(MetaDnas.DERIVED_FINE_TUNE_EPOCHS, epochs);
                JobSpec spec = JobSpec.newBuilder(base).setHyperParameters(knobs).build();
                RoundPlan plan = strategy.configurePersonalization(spec, result.model(), result.lastState());
                double derived = 0;
                double supernet = 0;
                double meta = 0;
                for (int c = 0; c < clients; c++) {
                    ClientInstruction instruction = plan.instructions().get(c);
                    Map<String, String> config = new HashMap<>(instruction.config());
                    config.put(ClientInstruction.LEARNING_RATE, rate);
                    int client = c;
                    Personalization p = strategy.clientProcedure().personalize(new ClientTaskContext(spec,
                            base.getRounds() + 1, config, null, result.model(), shards.shard(spec, c),
                            () -> shards.localTestSet(spec, client)), shards.localTestSet(spec, c));
                    derived += p.localTest().accuracy();
                    supernet += p.adaptation().custom().get(MetaDnas.SUPERNET_LOCAL_TEST_ACCURACY);
                    meta += p.globalLocalTest().accuracy();
                }
                System.out.printf("fine-tune epochs %s, learning rate %s: derived %.3f, relaxed supernet %.3f, "
                        + "meta-model %.3f%n", epochs, rate, derived / clients, supernet / clients, meta / clients);
            }
        }
    }
}
