package io.fedarch.cli;

import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import io.fedarch.events.ArchitectureMask;
import io.fedarch.events.GlobalModel;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelReady;
import io.fedarch.events.ModelScope;
import io.fedarch.events.ModelState;
import io.fedarch.events.RoundMetrics;
import io.fedarch.events.SearchCompleted;
import io.fedarch.events.SearchMask;
import io.fedarch.events.SearchStatus;
import io.fedarch.events.StrategyState;
import io.fedarch.events.spec.JobSpecReader;

/** Events as the services would publish them for one job, built by hand so reports can be tested without a broker. */
final class SyntheticEvents {
    static final Instant SUBMITTED = Instant.ofEpochMilli(1_763_000_000_000L);
    static final String JOB = "job-synthetic";

    private SyntheticEvents() {
    }

    static JobSpec fedMetaNasSpec() {
        return JobSpecReader.fromMap(Map.of("name", "fedmetanas-synthetic", "algorithm", "fedmetanas",
                "model", Map.of("family", "darts"), "rounds", 3));
    }

    /** A round of {@code jobId} aggregated {@code elapsedMs} after {@link #SUBMITTED}. */
    static GlobalModel round(String jobId, int round, int totalRounds, long elapsedMs, double globalAccuracy) {
        return GlobalModel.newBuilder().setEventId("g" + round).setJobId(jobId)
                .setTimestamp(SUBMITTED.plusMillis(elapsedMs)).setRound(round).setTotalRounds(totalRounds)
                .setModelVersion(round).setAlgorithm("fedmetanas").setParticipants(List.of(0, 1))
                .setModelState(ModelState.newBuilder().setTensors(List.of()).build())
                .setMetrics(RoundMetrics.newBuilder().setClientsSelected(2).setClientsReported(2).setSampleCount(100)
                        .setTrainLoss(1.0).setValidationAccuracy(0.5).setGlobalValidationAccuracy(globalAccuracy)
                        .setRoundMs(1000).setAggregationMs(1).setMeanClientComputeMs(400).setMaxClientComputeMs(450)
                        .setUpdateBytes(2048).setCustom(Map.of("steps", 10.0)).build())
                .build();
    }

    /** The mask published after {@code round}, over 2 operations x 14 edges x 2 cell types. */
    static ArchitectureMask mask(int round, int active, String genotype) {
        List<Float> keep = Collections.nCopies(28, 1f);
        return ArchitectureMask.newBuilder().setEventId("m" + round).setJobId(JOB)
                .setTimestamp(SUBMITTED.plusSeconds(round)).setRound(round).setTotalRounds(3).setThreshold(0.4)
                .setMask(SearchMask.newBuilder().setOperations(List.of("skip_connect", "sep_conv_3x3"))
                        .setNormal(keep).setReduce(keep).build())
                .setStrategyState(StrategyState.newBuilder().setTensors(ModelState.newBuilder().setTensors(List.of()).build())
                        .build())
                .setActiveOperations(active).setDecayingOperations(2).setTotalOperations(56).setActiveEdges(20)
                .setGenotype(genotype).build();
    }

    static SearchCompleted completion(JobSpec spec, long searchMs) {
        return SearchCompleted.newBuilder().setEventId("c").setJobId(JOB).setTimestamp(SUBMITTED.plusMillis(searchMs))
                .setStatus(SearchStatus.SUCCEEDED).setSpec(spec).setRoundsCompleted(spec.getRounds())
                .setModelVersion(spec.getRounds()).setSearchMs(searchMs).build();
    }

    static ModelReady globalModel(double testAccuracy, Map<String, Double> metrics) {
        return ModelReady.newBuilder().setEventId("r").setJobId(JOB).setTimestamp(SUBMITTED.plusSeconds(60))
                .setScope(ModelScope.GLOBAL).setAlgorithm("fedmetanas").setArchitecture("{\"normal\":[]}")
                .setTestAccuracy(testAccuracy).setTestLoss(0.5).setTestSamples(500).setParameterCount(1000)
                .setMacs(20000).setFormat("safetensors").setArtifactUri("/tmp/models/" + JOB).setFiles(List.of())
                .setRoundsCompleted(3).setSearchMs(3000).setMetrics(metrics).build();
    }
}
