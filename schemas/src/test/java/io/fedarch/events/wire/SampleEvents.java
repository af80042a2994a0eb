package io.fedarch.events.wire;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.fedarch.events.*;

/** One fully populated instance of every event type, for contract tests. */
final class SampleEvents {
    static final Instant NOW = Instant.ofEpochMilli(1_763_000_000_000L);

    static JobSpec jobSpec() {
        return JobSpec.newBuilder()
                .setName("contract-test")
                .setAlgorithm("fedavg")
                .setModel(ModelSpec.newBuilder().setFamily("cnn").setOptions(Map.of("conv1", "8")).build())
                .setData(DataSpec.newBuilder()
                        .setPartition(PartitionSpec.newBuilder().setScheme(PartitionScheme.LABEL_SKEW).build())
                        .setTrainLimit(600).build())
                .setHyperParameters(Map.of("lambda", "1.0"))
                .setPersonalizationEpochs(2)
                .setParentJobId("parent-job")
                .build();
    }

    static ModelState modelState() {
        ByteBuffer data = ByteBuffer.allocate(3 * 4).order(ByteOrder.LITTLE_ENDIAN);
        data.putFloat(1.5f).putFloat(-2f).putFloat(0.25f).flip();
        return ModelState.newBuilder().setTensors(List.of(Tensor.newBuilder()
                .setName("fc.weight").setShape(List.of(1, 3)).setDtype(DType.FP32).setData(data).build())).build();
    }

    /** A mask over two operations of a two-edge table (the schema does not fix the sizes). */
    static SearchMask searchMask() {
        return SearchMask.newBuilder().setOperations(List.of("skip_connect", "sep_conv_3x3"))
                .setNormal(List.of(1f, 0.5f, 0f, 1f)).setReduce(List.of(1f, 1f, 1f, 0f)).build();
    }

    /** A server state with one tensor and one value. */
    static StrategyState strategyState() {
        return StrategyState.newBuilder().setTensors(modelState()).setValues(Map.of("baseline", "0.25")).build();
    }

    static List<org.apache.avro.specific.SpecificRecord> all() {
        JobSpec spec = jobSpec();
        return List.of(
                JobSubmitted.newBuilder().setEventId("e1").setJobId("job-1").setTimestamp(NOW).setSpec(spec)
                        .setInitialModel(modelState()).build(),
                RoundStartRequested.newBuilder().setEventId("e2").setJobId("job-1").setTimestamp(NOW).setRound(3)
                        .setRequestedBy("nightly-scheduler").build(),
                ClientTask.newBuilder().setEventId("e3").setJobId("job-1").setTimestamp(NOW).setRound(1).setClientId(4)
                        .setModelVersion(0).setDeadline(NOW.plusSeconds(60)).setSpec(spec)
                        .setRoundConfig(Map.of("temperature", "5.0")).setGlobalModel(modelState())
                        .setPayload(modelState()).build(),
                ClientUpdate.newBuilder().setEventId("e4").setJobId("job-1").setTimestamp(NOW).setTaskEventId("e3")
                        .setRound(1).setClientId(4).setBaseModelVersion(0).setWorkerId("worker-a").setSampleCount(512)
                        .setModelState(modelState())
                        .setMetrics(ClientMetrics.newBuilder().setTrainLoss(0.7).setTrainAccuracy(0.75)
                                .setValidationLoss(0.8).setValidationAccuracy(0.7).setGlobalValidationAccuracy(0.1)
                                .setValidationSamples(57).setSteps(8).setComputeMs(1234).setUpdateBytes(4096).build())
                        .build(),
                GlobalModel.newBuilder().setEventId("e5").setJobId("job-1").setTimestamp(NOW).setRound(1)
                        .setTotalRounds(2).setModelVersion(1).setAlgorithm("fedavg").setParticipants(List.of(4, 7))
                        .setModelState(modelState())
                        .setMetrics(RoundMetrics.newBuilder().setClientsSelected(2).setClientsReported(2)
                                .setSampleCount(1024).setTrainLoss(0.7).setValidationAccuracy(0.7)
                                .setGlobalValidationAccuracy(0.1).setRoundMs(3000).setAggregationMs(3)
                                .setMeanClientComputeMs(1200).setMaxClientComputeMs(1300).setUpdateBytes(8192).build())
                        .setStrategyState(strategyState()).build(),
                SearchCompleted.newBuilder().setEventId("e6").setJobId("job-1").setTimestamp(NOW)
                        .setStatus(SearchStatus.SUCCEEDED).setSpec(spec).setRoundsCompleted(2).setModelVersion(2)
                        .setFinalModel(modelState()).setSearchMs(6000).setPersonalizedClients(List.of(0, 1))
                        .setStrategyState(strategyState()).build(),
                PersonalizedModel.newBuilder().setEventId("e9").setJobId("job-1").setTimestamp(NOW).setClientId(1)
                        .setWorkerId("worker-b").setBaseModelVersion(2).setSpec(spec).setModelState(modelState())
                        .setMetrics(ClientMetrics.newBuilder().setTrainLoss(0.4).setTrainAccuracy(0.9)
                                .setValidationLoss(0.5).setValidationAccuracy(0.85).setGlobalValidationAccuracy(0.7)
                                .setValidationSamples(57).setSteps(16).setComputeMs(2345).setUpdateBytes(4096)
                                .setCustom(Map.of("localTestAccuracy", 0.88)).build())
                        .setLocalTestAccuracy(0.88).setLocalTestLoss(0.31).setLocalTestSamples(1000).build(),
                ArchitectureMask.newBuilder().setEventId("e10").setJobId("job-1").setTimestamp(NOW).setRound(2)
                        .setTotalRounds(8).setThreshold(0.25).setMask(searchMask()).setStrategyState(strategyState()).setActiveOperations(3)
                        .setDecayingOperations(1).setTotalOperations(4).setActiveEdges(2)
                        .setGenotype("{\"normal\":[]}").build(),
                ModelReady.newBuilder().setEventId("e7").setJobId("job-1").setTimestamp(NOW).setScope(ModelScope.GLOBAL)
                        .setAlgorithm("fedavg").setArchitecture("{\"layers\":[]}").setTestAccuracy(0.81)
                        .setTestLoss(0.5).setTestSamples(10000).setParameterCount(3).setMacs(3)
                        .setFormat("safetensors").setArtifactUri("/tmp/models/job-1")
                        .setFiles(List.of(Artifact.newBuilder().setPath("/tmp/models/job-1/model.safetensors")
                                .setMediaType("application/octet-stream").setSizeBytes(100).setSha256("ab").build()))
                        .setRoundsCompleted(2).setSearchMs(6000)
                        .setMetrics(Map.of("relaxedSupernetTestAccuracy", 0.8)).build(),
                JobCheckpoint.newBuilder().setEventId("e11").setJobId("job-1").setTimestamp(NOW).setSequence(7)
                        .setSpec(spec).setPhase("ROUND_RUNNING").setAcceptedAt(NOW).setCompletedRounds(1)
                        .setModelVersion(1).setGlobalModel(modelState()).setStrategyState(strategyState())
                        .setBetweenRoundsAppliedAfterRound(1).setOpenRound(OpenRound.newBuilder().setRound(2).setAttempt(1)
                                .setExpectedUpdates(2).setAsked(List.of(4, 7, 9))
                                .setStartedAt(NOW).setDeadline(NOW.plusSeconds(60))
                                .setAccepted(List.of(AcceptedUpdate.newBuilder().setClientId(4).setEventId("e4")
                                        .setPartition(4).setOffset(17).build())).build())
                        .setHandledEventIds(List.of("e2")).build(),
                ArtifactChunk.newBuilder().setEventId("e12").setJobId("job-1").setDeliveryId("e7")
                        .setScope(ModelScope.CLIENT).setClientId(3).setPublicationId("p1")
                        .setFileName("client-3/model.safetensors").setMediaType("application/octet-stream")
                        .setFileSizeBytes(7).setFileSha256("ab").setChunkIndex(1).setChunkCount(2).setOffsetBytes(4)
                        .setData(ByteBuffer.wrap(new byte[]{5, 6, 7})).setTimestamp(NOW).build(),
                DeadLetter.newBuilder().setEventId("e8").setJobId(null).setTimestamp(NOW).setService("coordinator")
                        .setSourceTopic("fedarch.jobs").setSourcePartition(0).setSourceOffset(42).setKey("k")
                        .setReason("not a valid JobSubmitted message").setErrorType("MalformedEventException")
                        .setPayload(ByteBuffer.wrap(new byte[]{1, 2, 3})).setPayloadSize(3).build());
    }

    private SampleEvents() {
    }
}
