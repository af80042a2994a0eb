package io.fedarch.cli;

import java.util.List;

import io.fedarch.events.DeadLetter;
import io.fedarch.events.GlobalModel;
import io.fedarch.events.ModelReady;
import io.fedarch.events.SearchCompleted;

/**
 * Everything observed on the topics for one job, from submission to its model-ready event.
 * Global models are kept with their tensors dropped to keep memory flat over long runs.
 */
public record JobOutcome(String jobId, List<GlobalModel> rounds, SearchCompleted completion,
                         List<ModelReady> models, List<DeadLetter> deadLetters, long wallMs) {

    public boolean succeeded() {
        return completion != null && completion.getStatus() == io.fedarch.events.SearchStatus.SUCCEEDED
                && !models.isEmpty();
    }

    public ModelReady globalModel() {
        return models.stream().filter(m -> m.getScope() == io.fedarch.events.ModelScope.GLOBAL).findFirst()
                .orElseThrow(() -> new IllegalStateException("job " + jobId + " has no global model-ready event"));
    }
}
