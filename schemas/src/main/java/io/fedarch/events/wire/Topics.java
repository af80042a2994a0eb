package io.fedarch.events.wire;

import java.util.List;

/**
 * Kafka topic names of the event catalogue: {@code fedarch.<plural noun of the event>}.
 * Services also read these from their application.properties; this class is the one list
 * the launcher, the tests and external Java clients share.
 */
public final class Topics {
    public static final String JOBS = "fedarch.jobs";
    public static final String ROUND_STARTS = "fedarch.round-starts";
    public static final String CLIENT_TASKS = "fedarch.client-tasks";
    public static final String CLIENT_UPDATES = "fedarch.client-updates";
    public static final String GLOBAL_MODELS = "fedarch.global-models";
    public static final String SEARCH_COMPLETIONS = "fedarch.search-completions";
    public static final String PERSONALIZED_MODELS = "fedarch.personalized-models";
    /** Soft-pruning masks of FedMetaNAS searches (small: no model state). */
    public static final String ARCHITECTURE_MASKS = "fedarch.architecture-masks";
    public static final String MODELS_READY = "fedarch.models-ready";
    public static final String DEAD_LETTERS = "fedarch.dead-letters";
    /** The coordinator's durable job state ({@code JobCheckpoint}), compacted: the latest checkpoint per job. */
    public static final String COORDINATOR_STATE = "fedarch.coordinator-state";
    /**
     * The files of delivered models in chunks ({@code ArtifactChunk}), compacted: one key per chunk, so
     * every chunk of every delivery stays, for consumers that reach nothing but the broker.
     */
    public static final String ARTIFACT_CHUNKS = "fedarch.artifact-chunks";

    /** Topics whose events carry a full model state and therefore need large message limits. */
    public static final List<String> MODEL_CARRYING =
            List.of(JOBS, CLIENT_TASKS, CLIENT_UPDATES, GLOBAL_MODELS, SEARCH_COMPLETIONS, PERSONALIZED_MODELS, DEAD_LETTERS,
                    COORDINATOR_STATE);

    public static final List<String> ALL =
            List.of(JOBS, ROUND_STARTS, CLIENT_TASKS, CLIENT_UPDATES, GLOBAL_MODELS,
                    SEARCH_COMPLETIONS, PERSONALIZED_MODELS, ARCHITECTURE_MASKS, MODELS_READY, DEAD_LETTERS,
                    COORDINATOR_STATE, ARTIFACT_CHUNKS);

    private Topics() {
    }
}
