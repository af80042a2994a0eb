package io.fedarch.coordinator.mapping;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.fedarch.core.federation.Decision;
import io.fedarch.core.federation.EventIds;
import io.fedarch.core.federation.JobState;
import io.fedarch.core.strategy.ServerStateCodec;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.events.ClientTask;
import io.fedarch.events.GlobalModel;
import io.fedarch.events.PersonalizedModel;
import io.fedarch.events.SearchCompleted;
import io.fedarch.events.SearchStatus;

/** The engine's decisions as the Avro events the coordinator publishes (super-heroes' mapping/ layer). */
public final class Events {
    private Events() {
    }

    /** One task per order; every task of the decision carries the same encoded model. */
    public static List<ClientTask> clientTasks(JobState job, Decision.SendTasks send, Instant now) {
        List<ClientTask> tasks = new ArrayList<>();
        for (Decision.TaskOrder order : send.tasks()) {
            tasks.add(ClientTask.newBuilder()
                    .setEventId(order.eventId())
                    .setJobId(job.jobId())
                    .setTimestamp(now)
                    .setRound(send.round())
                    .setClientId(order.clientId())
                    .setAttempt(send.attempt())
                    .setModelVersion(send.modelVersion())
                    .setDeadline(send.deadline())
                    .setSpec(job.spec())
                    .setRoundConfig(order.config())
                    .setGlobalModel(send.model())
                    .setPayload(order.payload())
                    .build());
        }
        return tasks;
    }

    public static GlobalModel globalModel(JobState job, Decision.PublishGlobal global, Instant now) {
        return GlobalModel.newBuilder()
                .setEventId(EventIds.of(job.jobId(), "global-model", global.round(), 0, -1))
                .setJobId(job.jobId())
                .setTimestamp(now)
                .setRound(global.round())
                .setTotalRounds(job.spec().getRounds())
                .setModelVersion(global.modelVersion())
                .setAlgorithm(job.spec().getAlgorithm())
                .setParticipants(global.participants())
                .setModelState(TensorCodec.toAvro(global.model(), job.spec().getTensorDType()))
                .setMetrics(global.metrics())
                .setStrategyState(ServerStateCodec.toAvro(global.state()))
                .setSpec(job.spec())
                .build();
    }

    public static PersonalizedModel personalizedModel(JobState job, Decision.PublishPersonalized p, Instant now) {
        return PersonalizedModel.newBuilder()
                .setEventId(EventIds.of(job.jobId(), "personalized-model", p.round(), 0, p.update().getClientId()))
                .setJobId(job.jobId())
                .setTimestamp(now)
                .setClientId(p.update().getClientId())
                .setWorkerId(p.update().getWorkerId())
                .setBaseModelVersion(p.update().getBaseModelVersion())
                .setSpec(job.spec())
                .setModelState(p.update().getModelState())
                .setMetrics(p.update().getMetrics())
                .setLocalTestAccuracy(p.localTestAccuracy())
                .setLocalTestLoss(p.localTestLoss())
                .setLocalTestSamples(p.localTestSamples())
                .build();
    }

    /** SUCCEEDED carries the final model; FAILED the reason. */
    public static SearchCompleted searchCompleted(JobState job, Decision.Complete complete, Instant now) {
        return SearchCompleted.newBuilder()
                .setEventId(EventIds.of(job.jobId(), "search-completed", job.completedRounds(), 0, -1))
                .setJobId(job.jobId())
                .setTimestamp(now)
                .setStatus(complete.status())
                .setReason(complete.reason())
                .setSpec(job.spec())
                .setRoundsCompleted(job.completedRounds())
                .setModelVersion(job.modelVersion())
                .setFinalModel(complete.status() == SearchStatus.SUCCEEDED
                        ? TensorCodec.toAvro(job.global(), job.spec().getTensorDType()) : null)
                .setSearchMs(Math.max(0, now.toEpochMilli() - job.acceptedAt().toEpochMilli()))
                .setPersonalizedClients(job.personalizedClients())
                .setStrategyState(ServerStateCodec.toAvro(job.state()))
                .build();
    }
}
