package io.fedarch.core.federation;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.fedarch.events.ClientUpdate;

/**
 * How a job's training phase is paced: synchronous rounds ({@link SynchronousRounds}) or buffered
 * asynchronous versions (FedBuff, {@link BufferedAsyncPacing}). The engine owns everything around
 * it — submission, between-rounds waits, the personalization stage, completion — and hands the
 * training phase's inputs here. Implementations add what must happen to {@code out}.
 */
interface Pacing {

    /** Training begins (the job was just accepted). */
    void start(JobState job, Instant now, List<Decision> out);

    /** An update while the job is ROUND_RUNNING; returns whether the job changed. */
    boolean onUpdate(JobState job, ClientUpdate update, UpdateOrigin origin, Instant now, List<Decision> out);

    /** Deadlines while the job is ROUND_RUNNING; returns whether the job changed. */
    boolean onTick(JobState job, Instant now, List<Decision> out);

    /**
     * After a restart: puts back what the checkpoint referred to ({@code buffered}: the updates it
     * named, read back from the update topic) and gives outstanding work a grace to arrive.
     */
    void onResume(JobState job, List<ClientUpdate> buffered, Instant now, Duration grace);
}
