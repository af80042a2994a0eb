"""The topics of the event catalogue (schemas/src/main/java/io/fedarch/events/wire/Topics.java) a client uses."""

JOBS = "fedarch.jobs"
ROUND_STARTS = "fedarch.round-starts"
GLOBAL_MODELS = "fedarch.global-models"
SEARCH_COMPLETIONS = "fedarch.search-completions"
PERSONALIZED_MODELS = "fedarch.personalized-models"
ARCHITECTURE_MASKS = "fedarch.architecture-masks"
MODELS_READY = "fedarch.models-ready"
DEAD_LETTERS = "fedarch.dead-letters"
ARTIFACT_CHUNKS = "fedarch.artifact-chunks"

# What a client follows to see a job progress and end.
JOB_OUTCOMES = (GLOBAL_MODELS, MODELS_READY, SEARCH_COMPLETIONS, DEAD_LETTERS)
