package io.fedarch.cli;

import java.time.Duration;

/** The job did not reach a model-ready event (or a failure) in time; carries what was seen. */
public class JobTimeoutException extends RuntimeException {
    private final transient JobOutcome partial;

    public JobTimeoutException(JobOutcome partial, Duration timeout) {
        super("job " + partial.jobId() + " did not finish within " + timeout.toSeconds() + " s: "
                + partial.rounds().size() + " rounds seen, completion "
                + (partial.completion() == null ? "none" : partial.completion().getStatus())
                + ", " + partial.models().size() + " model-ready events");
        this.partial = partial;
    }

    public JobOutcome partial() {
        return partial;
    }
}
