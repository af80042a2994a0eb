package io.fedarch.core.federation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fedarch.core.strategy.ClientResult;
import io.fedarch.core.algorithms.fedavg.FedAvg;
import io.fedarch.core.strategy.RoundPlan;
import io.fedarch.core.strategy.Strategy;
import io.fedarch.core.strategy.StrategyRegistry;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.events.ClientMetrics;
import io.fedarch.events.JobCheckpoint;
import io.fedarch.events.JobSpec;
import io.fedarch.events.spec.JobSpecReader;
import io.fedarch.events.wire.EventCodec;

/** A checkpoint survives the wire and restores the job exactly: the model bit for bit, the round as it was. */
class JobCheckpointsTest {
    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    /**
     * A model with arbitrary, distinct float values, built by hand: the engine's tests need no DJL.
     */
    private static ModelParameters model(float seed) {
        float[] weights = new float[6];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = seed / (i + 3f);
        }
        return new ModelParameters(List.of(new NamedTensor("fc.weight", new int[] {2, 3}, weights),
                new NamedTensor("fc.bias", new int[] {2}, new float[] {seed, -seed / 7f})));
    }

    @Test
    void aRunningJobRoundTripsThroughItsCheckpoint() {
        JobSpec spec = JobSpecReader.fromMap(Map.of("algorithm", "fedavg", "totalClients", 6, "clientsPerRound", 3,
                "model", Map.of("family", "cnn", "options", Map.of("conv1", 2, "conv2", 2, "hidden", 4))));
        Strategy strategy = StrategyRegistry.builtIn().get("fedavg");
        ModelParameters global = model(0.1234567f);
        JobState run = new JobState("job-7", spec, strategy, global, NOW.minusSeconds(60));
        run.phase = JobPhase.ROUND_RUNNING;
        run.completedRounds = 2;
        run.modelVersion = 2;
        run.betweenRoundsDeadline = NOW.plusSeconds(5);
        run.firstTimeHandled("request-1");
        RoundState round = RoundState.open(run, 3, new RoundPlan(List.of(1, 3, 5).stream()
                .map(client -> strategy.instruct(spec, 3, client, global, run.state)).toList()), NOW, NOW.plusSeconds(30),
                true);
        round.attempt = 1;
        round.ask(strategy.instruct(spec, 3, 0, global, run.state));
        ClientMetrics metrics = ClientMetrics.newBuilder().setTrainLoss(1).setTrainAccuracy(0.5).setValidationLoss(1)
                .setValidationAccuracy(0.5).setGlobalValidationAccuracy(0.4).setValidationSamples(10).setSteps(2)
                .setComputeMs(7).setUpdateBytes(100).build();
        round.count(3, new ReceivedUpdate(new ClientResult(round.instructions.get(3), 12, global, metrics), metrics, "w",
                new UpdateOrigin("update-3", 4, 1234L)));
        run.openRound = round;
        run.checkpointSequence = 9;

        byte[] wire = EventCodec.encode(JobCheckpoints.of(run, NOW));
        JobCheckpoint checkpoint = EventCodec.decode(wire, JobCheckpoint.class);
        JobState restored = JobCheckpoints.restore(checkpoint, strategy);

        assertEquals(JobPhase.ROUND_RUNNING, restored.phase);
        assertEquals(9, restored.checkpointSequence);
        assertEquals(2, restored.completedRounds);
        assertEquals(run.acceptedAt, restored.acceptedAt);
        assertEquals(run.betweenRoundsDeadline, restored.betweenRoundsDeadline);
        assertEquals(List.of("request-1"), restored.handledEventIds());
        for (int i = 0; i < global.tensors().size(); i++) {
            assertArrayEquals(global.tensors().get(i).values(), restored.global.tensors().get(i).values());
        }
        RoundState back = restored.openRound;
        assertEquals(3, back.round);
        assertEquals(1, back.attempt);
        assertEquals(List.of(1, 3, 5), back.plan.clients(), "the selection is the first clients asked");
        assertEquals(List.of(1, 3, 5, 0), List.copyOf(back.asked));
        // Instructions are not checkpointed but asked of the strategy again, replacements included.
        assertEquals(List.of(0, 1, 3, 5), List.copyOf(back.instructions.keySet()), "every asked client has one");
        for (int client : List.of(1, 3, 5, 0)) {
            assertEquals(Map.of(FedAvg.LEARNING_RATE, "0.05"), back.instructions.get(client).config(), "client " + client);
            assertNull(back.instructions.get(client).payload());
        }
        assertEquals(List.of(back.instructions.get(1), back.instructions.get(3), back.instructions.get(5)),
                back.plan.instructions());
        assertEquals(NOW.plusSeconds(30), back.deadline);
        assertEquals(1, checkpoint.getOpenRound().getAccepted().size());
        assertEquals(1234L, checkpoint.getOpenRound().getAccepted().get(0).getOffset());
        assertEquals(0, back.updates.size(), "updates come back from the update topic, not from the checkpoint");
    }

    @Test
    void aFinishedJobDropsItsModel() {
        JobSpec spec = JobSpecReader.fromMap(Map.of("algorithm", "fedavg",
                "model", Map.of("family", "cnn", "options", Map.of("conv1", 2, "conv2", 2, "hidden", 4))));
        Strategy strategy = StrategyRegistry.builtIn().get("fedavg");
        JobState run = new JobState("job-8", spec, strategy, model(1f), NOW);
        run.phase = JobPhase.SUCCEEDED;
        JobCheckpoint checkpoint = JobCheckpoints.of(run, NOW);
        assertNull(checkpoint.getGlobalModel());
        assertEquals(JobPhase.SUCCEEDED, JobCheckpoints.restore(checkpoint, strategy).phase);
    }

    @Test
    void anAsyncJobRoundTripsItsBufferOutstandingTasksAndBaseModels() {
        JobSpec spec = JobSpecReader.fromMap(Map.of("algorithm", "fedavg", "totalClients", 4, "clientsPerRound", 2,
                "model", Map.of("family", "cnn", "options", Map.of("conv1", 2, "conv2", 2, "hidden", 4)),
                "asyncAggregation", Map.of("bufferSize", 3, "concurrency", 2, "maxStaleness", 4)));
        Strategy strategy = StrategyRegistry.builtIn().get("fedavg");
        ModelParameters version2 = model(2.5f);
        ModelParameters version1 = model(-0.3333f);
        JobState run = new JobState("job-async", spec, strategy, version2, NOW.minusSeconds(60));
        run.phase = JobPhase.ROUND_RUNNING;
        run.modelVersion = 2;
        run.completedRounds = 2;
        AsyncState async = new AsyncState(spec.getAsyncAggregation(), NOW.minusSeconds(3));
        async.taskSequence = 7;
        async.droppedStale = 1;
        async.baseModels.put(1, version1);
        async.baseModels.put(2, version2);
        async.outstanding.put(3, new AsyncState.Outstanding("task-3", 1, NOW.plusSeconds(20)));
        ClientMetrics metrics = ClientMetrics.newBuilder().setTrainLoss(1).setTrainAccuracy(0.5).setValidationLoss(1)
                .setValidationAccuracy(0.5).setGlobalValidationAccuracy(0.4).setValidationSamples(10).setSteps(2)
                .setComputeMs(7).setUpdateBytes(100).build();
        // Client 0 twice in one buffer: the buffer is a list in arrival order, not a map by client.
        async.buffer.add(new AsyncState.Buffered(new ReceivedUpdate(ClientResult.of(0, 12, version2),
                metrics, "w", new UpdateOrigin("update-a", 1, 10L)), 1));
        async.buffer.add(new AsyncState.Buffered(new ReceivedUpdate(ClientResult.of(0, 12, version2),
                metrics, "w", new UpdateOrigin("update-b", 1, 11L)), 2));
        async.closeTask("task-0a");
        run.async = async;

        JobCheckpoint checkpoint = EventCodec.decode(EventCodec.encode(JobCheckpoints.of(run, NOW)), JobCheckpoint.class);
        JobState restored = JobCheckpoints.restore(checkpoint, strategy);

        AsyncState back = restored.async;
        assertEquals(3, back.settings.getBufferSize());
        assertEquals(7, back.taskSequence);
        assertEquals(1, back.droppedStale);
        assertEquals(NOW.minusSeconds(3), back.versionStartedAt);
        assertEquals(List.of(1, 2), List.copyOf(back.baseModels.keySet()));
        for (int i = 0; i < version1.tensors().size(); i++) {
            assertArrayEquals(version1.tensors().get(i).values(), back.baseModels.get(1).tensors().get(i).values(),
                    "base models come back bit for bit (FP32)");
        }
        assertEquals(new AsyncState.Outstanding("task-3", 1, NOW.plusSeconds(20)), back.outstanding.get(3));
        assertEquals(0, back.buffer.size(), "buffered updates come back from the update topic");
        assertEquals(List.of("update-a", "update-b"),
                back.restoredBuffer.stream().map(b -> b.getUpdate().getEventId()).toList());
        assertEquals(List.of(1, 2), back.restoredBuffer.stream().map(b -> b.getBaseVersion()).toList());
        assertEquals(11L, back.restoredBuffer.get(1).getUpdate().getOffset());
        assertEquals(true, back.taskClosed("task-0a"));
        JobState sync = new JobState("sync", spec, strategy, version2, NOW);
        sync.phase = JobPhase.ROUND_RUNNING;
        assertNull(JobCheckpoints.restore(JobCheckpoints.of(sync, NOW), strategy).async,
                "a job without async state restores without it");
    }
}
