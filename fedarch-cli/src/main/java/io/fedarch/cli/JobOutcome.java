package io.fedarch.cli;

import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import io.fedarch.events.ArchitectureMask;
import io.fedarch.events.DeadLetter;
import io.fedarch.events.GlobalModel;
import io.fedarch.events.ModelReady;
import io.fedarch.events.ModelScope;
import io.fedarch.events.SearchCompleted;
import io.fedarch.events.SearchStatus;
import io.fedarch.events.wire.Topics;

/**
 * Everything observed on the topics for one job, from submission to its last model-ready event:
 * the search rounds, the rounds of the fine-tuning job its pipeline started (FedNAS), the
 * soft-pruning masks published between rounds (FedMetaNAS), and the global, per-client and per-budget
 * models (a budget's model-ready precedes the global one).
 * Global models are kept with their tensors dropped to keep memory flat over long runs.
 * {@code submittedAt} is the JobSubmitted event's timestamp: the origin of the run's time axis.
 */
public record JobOutcome(String jobId, Instant submittedAt, List<GlobalModel> rounds, List<GlobalModel> fineTuneRounds,
                         List<ArchitectureMask> masks, SearchCompleted completion, List<ModelReady> models,
                         List<DeadLetter> deadLetters, long wallMs) {

    /**
     * Milliseconds from the run's submission to this round's aggregate, on the event timestamps;
     * fine-tuning rounds too, so the stages of a pipeline share one axis.
     */
    public long elapsedMs(GlobalModel round) {
        return round.getTimestamp().toEpochMilli() - submittedAt.toEpochMilli();
    }

    /** The mask published after {@code round}, i.e. the search space of round + 1. */
    public Optional<ArchitectureMask> maskAfterRound(int round) {
        return masks.stream().filter(m -> m.getRound() == round).findFirst();
    }

    /** The mask of the latest round seen: how far pruning got. */
    public Optional<ArchitectureMask> lastMask() {
        return masks.stream().max(Comparator.comparingInt(ArchitectureMask::getRound));
    }

    public boolean succeeded() {
        return completion != null && completion.getStatus() == SearchStatus.SUCCEEDED
                && models.stream().anyMatch(m -> m.getScope() == ModelScope.GLOBAL);
    }

    /**
     * Whether every model the job announced is accounted for: the global one, and per personalized
     * client either its model or a dead letter saying why it could not be exported.
     */
    boolean allModelsReady() {
        if (completion == null || completion.getStatus() != SearchStatus.SUCCEEDED) {
            return false;
        }
        long refused = deadLetters.stream()
                .filter(d -> Topics.PERSONALIZED_MODELS.equals(d.getSourceTopic())).count();
        return models.stream().anyMatch(m -> m.getScope() == ModelScope.GLOBAL)
                && clientModels().size() + refused >= completion.getPersonalizedClients().size();
    }

    public ModelReady globalModel() {
        return models.stream().filter(m -> m.getScope() == ModelScope.GLOBAL).findFirst()
                .orElseThrow(() -> new IllegalStateException("job " + jobId + " has no global model-ready event"));
    }

    public List<ModelReady> clientModels() {
        return models.stream().filter(m -> m.getScope() == ModelScope.CLIENT).toList();
    }

    /** The models a once-for-all search chose per MACs budget (SuperFedNAS), smallest budget first. */
    public List<ModelReady> budgetModels() {
        return models.stream().filter(m -> m.getScope() == ModelScope.BUDGET)
                .sorted(Comparator.comparing(ModelReady::getMacsBudget)).toList();
    }
}
