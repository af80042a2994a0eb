package io.fedarch.pruning.export;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import io.fedarch.core.strategy.HyperParameters;
import io.fedarch.core.algorithms.fedavg.FedAvg;
import io.fedarch.core.algorithms.fednas.FedNas;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.events.JobSpec;
import io.fedarch.events.JobSubmitted;
import io.fedarch.events.ModelSpec;
import io.fedarch.events.RoundPacing;
import io.fedarch.events.SearchCompleted;
import io.fedarch.events.spec.DerivedJobs;

/**
 * FedNAS's evaluation stage as an ordinary federated job: FedAvg on the derived network, starting
 * from the weights it inherited from the supernet, over the same clients, data and seed as the
 * search. Its id is derived from the search's ({@link DerivedJobs}) and it points back through
 * parentJobId, so its result is delivered as the search job's model and a redelivered
 * search-completed event re-submits the same id (which the coordinator ignores).
 */
final class FineTuneJob {
    private FineTuneJob() {
    }

    static JobSubmitted of(SearchCompleted search, ModelSpec derived, ModelParameters inherited) {
        JobSpec parent = search.getSpec();
        int rounds = (int) HyperParameters.number(parent, FedNas.FINE_TUNE_ROUNDS, 0);
        int epochs = (int) HyperParameters.number(parent, FedNas.FINE_TUNE_EPOCHS, parent.getLocalEpochs());
        double learningRate = HyperParameters.number(parent, FedNas.FINE_TUNE_LEARNING_RATE, parent.getLearningRate());
        // The derived network's inherited BN statistics are the supernet mixture's: re-measure them first,
        // and re-measure the trained model's at the end (training rounds average the clients' statistics).
        boolean statisticsPass = HyperParameters.number(parent, FedNas.FINE_TUNE_STATISTICS_PASS,
                FedNas.DEFAULT_FINE_TUNE_STATISTICS_PASS) == 1;
        // Built field by field: Avro's copy builder resolves classes through a loader that breaks under Quarkus tests.
        JobSpec spec = JobSpec.newBuilder()
                .setName((parent.getName() == null ? search.getJobId() : parent.getName()) + " (fine-tuning)")
                .setAlgorithm(FedAvg.NAME)
                .setModel(derived)
                .setData(parent.getData())
                .setTotalClients(parent.getTotalClients())
                .setClientsPerRound(parent.getClientsPerRound())
                .setRounds(statisticsPass ? rounds + 2 : rounds)
                .setLocalEpochs(epochs)
                .setBatchSize(parent.getBatchSize())
                .setLearningRate(learningRate)
                .setMomentum(parent.getMomentum())
                .setWeightDecay(parent.getWeightDecay())
                .setArchLearningRate(parent.getArchLearningRate())
                .setSeed(parent.getSeed())
                .setRoundDeadlineMs(parent.getRoundDeadlineMs())
                .setQuorum(parent.getQuorum())
                // The search's own pacing does not carry over: nobody would pace a job they never submitted.
                .setPacing(RoundPacing.AUTOMATIC)
                .setTensorDType(parent.getTensorDType())
                // The search's wire compression carries over (FedAvg takes it): the fine-tuning's rounds cost the same.
                .setCompression(parent.getCompression())
                .setHyperParameters(statisticsPass
                        ? Map.of(FedAvg.STATISTICS_PASS, "1", FedAvg.FINAL_STATISTICS_PASS, "1") : Map.of())
                .setPersonalizationEpochs(0)
                .setParentJobId(search.getJobId())
                // The fine-tuning finalizes the delivered model: it runs under the defences, round retries and
                // (in experiments) the attackers the search asked for, or they would not hold for the result.
                .setMaxRoundAttempts(parent.getMaxRoundAttempts())
                .setRobustAggregation(parent.getRobustAggregation())
                .setSimulatedAttack(parent.getSimulatedAttack())
                // Not asyncAggregation: the statistics passes are the first and last synchronous rounds.
                .build();
        return JobSubmitted.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setJobId(DerivedJobs.fineTuneJobId(search.getJobId()))
                .setTimestamp(Instant.now())
                .setSpec(spec)
                .setInitialModel(TensorCodec.toAvro(inherited, parent.getTensorDType()))
                .build();
    }
}
