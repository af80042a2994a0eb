package io.fedarch.core.federation;

import static io.fedarch.core.federation.EngineFixtures.T0;
import static io.fedarch.core.federation.EngineFixtures.answer;
import static io.fedarch.core.federation.EngineFixtures.initialModel;
import static io.fedarch.core.federation.EngineFixtures.input;
import static io.fedarch.core.federation.EngineFixtures.one;
import static io.fedarch.core.federation.EngineFixtures.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fedarch.core.strategy.TaskPhases;
import io.fedarch.events.ClientUpdate;
import io.fedarch.events.RoundMetrics;

/** The workers' side of a round's time breakdown, as the engine folds it into the round's metrics. */
class RoundTimeBreakdownTest {
    private final EngineFixtures.MutableClock clock = new EngineFixtures.MutableClock(T0);
    private final FederationEngine engine = EngineFixtures.engine(clock);

    /** Client {@code client}'s answer from {@code worker}, reporting 100 ms loading, 1 s training in a 1.5 s task. */
    private static ClientUpdate timed(ClientUpdate update, String worker, boolean withPhases) {
        Map<String, Double> custom = new HashMap<>(update.getMetrics().getCustom());
        if (withPhases) {
            custom.put(TaskPhases.Phase.LOAD.key(), 100.0);
            custom.put(TaskPhases.Phase.TRAIN.key(), 1000.0);
            custom.put(ClientTaskExecution.TASK_MS, 1500.0);
        }
        update.getMetrics().setCustom(custom);
        update.setWorkerId(worker);
        return update;
    }

    private RoundMetrics runRound(boolean lastHasPhases) {
        FederationEngine.Started started = engine.submit("job-t", spec(Map.of("rounds", 2)), null);
        JobState job = started.job();
        Decision.SendTasks round1 = one(started.decisions(), Decision.SendTasks.class);
        clock.advance(Duration.ofSeconds(4));
        engine.handle(job, input(timed(answer("job-t", round1, 0, initialModel(), 10), "worker-a", true)));
        clock.advance(Duration.ofSeconds(1));
        engine.handle(job, input(timed(answer("job-t", round1, 1, initialModel(), 10), "worker-b", true)));
        clock.advance(Duration.ofSeconds(4));
        FederationEngine.Outcome closed = engine.handle(job,
                input(timed(answer("job-t", round1, 2, initialModel(), 10), "worker-a", lastHasPhases)));
        return one(closed.decisions(), Decision.PublishGlobal.class).metrics();
    }

    @Test
    void phasesAreMeansOverTheRoundsWorkersAndWaitIsTheTimeAfterEachWorkersLastUpdate() {
        Map<String, Double> custom = runRound(true).getCustom();
        assertEquals(2.0, custom.get(RoundTimeBreakdown.WORKERS), "two distinct workers answered three clients");
        assertEquals(3 * 1000.0 / 2, custom.get("time." + TaskPhases.Phase.TRAIN.key()), 1e-9);
        assertEquals(3 * 100.0 / 2, custom.get("time." + TaskPhases.Phase.LOAD.key()), 1e-9);
        assertEquals(0.0, custom.get("time." + TaskPhases.Phase.EVALUATE_LOCAL.key()), 1e-9, "a phase not reported is 0");
        assertEquals(3 * (1500.0 - 1100.0) / 2, custom.get(RoundTimeBreakdown.CLIENT_OTHER_MS), 1e-9,
                "task time no phase accounts for");
        // worker-a answered last (wait 0); worker-b's last update came 4 s before the round's last.
        assertEquals((0 + 4000.0) / 2, custom.get(RoundTimeBreakdown.WAIT_MS), 1e-9);
    }

    @Test
    void aRoundWithAnUpdateWithoutPhasesHasNoBreakdown() {
        Map<String, Double> custom = runRound(false).getCustom();
        assertFalse(custom.containsKey(RoundTimeBreakdown.WORKERS), "an older worker's update: " + custom);
        assertFalse(custom.containsKey(RoundTimeBreakdown.WAIT_MS));
    }
}
