package io.fedarch.cli;

import java.nio.file.Path;

import io.fedarch.events.JobSpec;

/**
 * One run of a benchmark: a job file, with its seed replaced when the benchmark repeats the job
 * over seeds ({@code seed} null: the job file's own seed). {@code name} names the run's results
 * directory: the job file's name, suffixed {@code -s<seed>} for a repeated job.
 */
public record BenchRun(String name, String jobName, Path job, Long seed) {

    static BenchRun of(Path job) {
        String jobName = job.getFileName().toString().replaceFirst("\\.ya?ml$", "");
        return new BenchRun(jobName, jobName, job, null);
    }

    static BenchRun withSeed(Path job, long seed) {
        BenchRun plain = of(job);
        return new BenchRun(plain.name() + "-s" + seed, plain.jobName(), job, seed);
    }

    /** Whether this run is one of a job's repetitions over seeds. */
    boolean repeatedOverSeeds() {
        return seed != null;
    }

    /** The job file's spec, with this run's seed (and the seed in its name, for the services' logs). */
    JobSpec spec(JobSpec fromFile) {
        if (seed == null) {
            return fromFile;
        }
        JobSpec.Builder spec = JobSpec.newBuilder(fromFile).setSeed(seed);
        if (fromFile.getName() != null) {
            spec.setName(fromFile.getName() + "-s" + seed);
        }
        return spec.build();
    }
}
