package io.fedarch.core.federation;

import java.time.Instant;

import io.fedarch.events.ClientUpdate;
import io.fedarch.events.StrategyState;

/**
 * What can happen to a running job; {@link FederationEngine#handle} turns each into decisions.
 * (A job's first input, its submission, creates the job: {@link FederationEngine#submit}.)
 */
public sealed interface Input {

    /** A client's update, with its place on the update topic (a checkpoint refers to it there). */
    record Update(ClientUpdate update, UpdateOrigin origin) implements Input {
    }

    /** An external system asks an externally paced job for its next round. */
    record RoundStartRequest(String eventId, Integer round) implements Input {
    }

    /** The strategy's between-rounds step made after {@code round}: the state round + 1 runs with (FedMetaNAS: its mask). */
    record BetweenRoundsResult(int round, StrategyState state) implements Input {
    }

    /** Time passes: deadlines are enforced against {@code now}. */
    record Tick(Instant now) implements Input {
    }
}
