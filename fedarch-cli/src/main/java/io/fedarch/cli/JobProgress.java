package io.fedarch.cli;

import io.fedarch.events.ArchitectureMask;
import io.fedarch.events.DeadLetter;
import io.fedarch.events.GlobalModel;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelReady;
import io.fedarch.events.SearchCompleted;

/** What a job runner reports while a job runs. */
public interface JobProgress {
    void submitted(String jobId, JobSpec spec);

    void roundCompleted(GlobalModel round, long elapsedMs);

    /** A soft-pruning search (FedMetaNAS) narrowed its search space for the next round. */
    void maskPublished(ArchitectureMask mask);

    void searchCompleted(SearchCompleted completion);

    void modelReady(ModelReady model);

    void deadLetter(DeadLetter letter);

    /** Reports nothing: for tests that only look at the outcome. */
    JobProgress SILENT = new JobProgress() {
        public void submitted(String jobId, JobSpec spec) { }

        public void roundCompleted(GlobalModel round, long elapsedMs) { }

        public void maskPublished(ArchitectureMask mask) { }

        public void searchCompleted(SearchCompleted completion) { }

        public void modelReady(ModelReady model) { }

        public void deadLetter(DeadLetter letter) { }
    };
}
