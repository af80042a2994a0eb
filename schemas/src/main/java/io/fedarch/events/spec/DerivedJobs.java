package io.fedarch.events.spec;

/**
 * Ids of the jobs one job's pipeline starts on its own, so any follower (the CLI, a dashboard)
 * can find them from the parent's id alone. The child's JobSpec.parentJobId points back.
 */
public final class DerivedJobs {
    /** Suffix of the federated fine-tuning job of a NAS search's derived network (FedNAS's evaluation stage). */
    public static final String FINE_TUNE_SUFFIX = ".fine-tune";

    private DerivedJobs() {
    }

    public static String fineTuneJobId(String parentJobId) {
        return parentJobId + FINE_TUNE_SUFFIX;
    }
}
