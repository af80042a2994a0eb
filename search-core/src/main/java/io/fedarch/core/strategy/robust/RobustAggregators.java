package io.fedarch.core.strategy.robust;

import io.fedarch.events.JobSpec;
import io.fedarch.events.RobustAggregation;

/** The job's robust aggregation rule, or null for the strategy's own weighted mean. */
public final class RobustAggregators {
    private RobustAggregators() {
    }

    /** The fewest updates a round aggregates: its quorum when it may close with one, else all its clients. */
    private static int fewestUpdates(JobSpec spec) {
        return spec.getQuorum() > 0 && spec.getQuorum() < spec.getClientsPerRound()
                ? spec.getQuorum() : spec.getClientsPerRound();
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
            case TRIMMED_MEAN -> {
                TrimmedMean trimmed = new TrimmedMean(settings.getTrimFraction());
                int fewest = fewestUpdates(spec);
                if (settings.getTrimFraction() > 0 && trimmed.trimmed(fewest) == 0) {
                    // Review L3: floor(β·n) = 0 makes the "defence" a plain mean; say so rather than run it.
                    throw new IllegalArgumentException("robustAggregation TRIMMED_MEAN with trimFraction "
                            + settings.getTrimFraction() + " trims nothing when a round closes with " + fewest
                            + " updates; raise trimFraction to at least " + (1.0 / fewest)
                            + " or the clients per round (and quorum)");
                }
                yield trimmed;
            }
            case KRUM -> {
                Krum krum = new Krum(settings.getByzantineClients());
                // Fails now, not at the first round, when it cannot work: a round may close with only its quorum.
                krum.tolerated(fewestUpdates(spec));
                yield krum;
            }
        };
    }
}
