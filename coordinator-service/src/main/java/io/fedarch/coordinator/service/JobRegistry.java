package io.fedarch.coordinator.service;

import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import jakarta.enterprise.context.ApplicationScoped;

import io.fedarch.core.federation.JobState;

/** The jobs this coordinator knows, by id. */
@ApplicationScoped
public class JobRegistry {
    private final ConcurrentMap<String, JobState> jobs = new ConcurrentHashMap<>();

    /** Registers the job unless one with the same id exists; returns whether it was new. */
    boolean register(JobState job) {
        return jobs.putIfAbsent(job.jobId(), job) == null;
    }

    boolean contains(String jobId) {
        return jobs.containsKey(jobId);
    }

    public Optional<JobState> find(String jobId) {
        return Optional.ofNullable(jobs.get(jobId));
    }

    public Collection<JobState> all() {
        return jobs.values();
    }

    public long active() {
        return jobs.values().stream().filter(j -> !j.phase().finished()).count();
    }
}
