package io.fedarch.core.federation;

import io.fedarch.events.JobSpec;

/**
 * The most samples a client of a job can hold, as the host computes it from the job's own
 * partition: a client's self-reported {@code sampleCount} is weighed at most this much, so one
 * inflated count cannot take over a sample-weighted mean (review H4). {@link #NONE} trusts the counts.
 */
@FunctionalInterface
public interface SampleCountCap {
    SampleCountCap NONE = (spec, clientId) -> Long.MAX_VALUE;

    /** The cap for {@code clientId}; {@code Long.MAX_VALUE} when the host cannot compute it. */
    long cap(JobSpec spec, int clientId);
}
