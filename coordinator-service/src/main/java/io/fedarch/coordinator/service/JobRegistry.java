package io.fedarch.coordinator.service;

import java.util.Collection;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

import jakarta.enterprise.context.ApplicationScoped;

/** The jobs this coordinator knows, by id. */
@ApplicationScoped
public class JobRegistry {
    private final ConcurrentMap<String, JobRun> jobs = new ConcurrentHashMap<>();

    /** Registers the job unless one with the same id exists; returns whether it was new. */
    boolean register(JobRun run) {
        return jobs.putIfAbsent(run.jobId, run) == null;
    }

    boolean contains(String jobId) {
        return jobs.containsKey(jobId);
    }

    public Optional<JobRun> find(String jobId) {
        return Optional.ofNullable(jobs.get(jobId));
    }

    public Collection<JobRun> all() {
        return jobs.values();
    }

    public long active() {
        return jobs.values().stream().filter(j -> !j.phase.finished()).count();
    }
}
