package io.fedarch.core.strategy.robust;

import io.fedarch.events.JobSpec;
import io.fedarch.events.RobustAggregation;

/** The job's robust aggregation rule, or null for the strategy's own weighted mean. */
public final class RobustAggregators {
    private RobustAggregators() {
    }

    /**
     * @throws IllegalArgumentException with a message a user can act on when the settings are invalid
     *                                  or cannot work with the job's clients per round
     */
    public static RobustAggregator forSpec(JobSpec spec) {
        RobustAggregation settings = spec.getRobustAggregation();
        if (settings == null) {
            return null;
        }
        return switch (settings.getRule()) {
            case MEAN -> null;
            case NORM_CLIPPED_MEAN -> new NormClippedMean(settings.getClipNorm());
            case COORDINATE_MEDIAN -> new CoordinateMedian();
            case TRIMMED_MEAN -> new TrimmedMean(settings.getTrimFraction());
            case KRUM -> {
                Krum krum = new Krum(settings.getByzantineClients());
                // Fails now, not at the first round, when it cannot work: a round may close with only its quorum.
                int fewest = spec.getQuorum() > 0 && spec.getQuorum() < spec.getClientsPerRound()
                        ? spec.getQuorum() : spec.getClientsPerRound();
                krum.tolerated(fewest);
                yield krum;
            }
        };
    }
}
