package io.fedarch.core.federation;

import static io.fedarch.core.federation.EngineFixtures.SETTINGS;
import static io.fedarch.core.federation.EngineFixtures.T0;
import static io.fedarch.core.federation.EngineFixtures.answer;
import static io.fedarch.core.federation.EngineFixtures.initialModel;
import static io.fedarch.core.federation.EngineFixtures.input;
import static io.fedarch.core.federation.EngineFixtures.kinds;
import static io.fedarch.core.federation.EngineFixtures.one;
import static io.fedarch.core.federation.EngineFixtures.shifted;
import static io.fedarch.core.federation.EngineFixtures.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fedarch.core.strategy.Aggregated;
import io.fedarch.core.strategy.Aggregation;
import io.fedarch.core.strategy.ClientResult;
import io.fedarch.core.strategy.ServerState;
import io.fedarch.core.strategy.StrategyRegistry;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.events.JobSpec;
import io.fedarch.events.SearchStatus;

/**
 * A synchronous round whose aggregate is not finite fails the job with a reason naming the tensor,
 * instead of publishing NaN or infinity as the new global model (review M10).
 */
class SyncAggregateFiniteTest {
    private static final String SERVER_SGD = "testserversgd";

    /**
     * A server optimizer step global + rate·(mean − global) with an unbounded rate, as Meta-DNAS's
     * sgd meta-optimizer takes metaLearningRate: at 1e30 a diverged client's delta of 1e9 overflows the
     * float cast.
     */
    static final class ServerSgd extends EngineFixtures.TestAvg {
        @Override
        public String name() {
            return SERVER_SGD;
        }

        @Override
        public Aggregated aggregate(JobSpec spec, int round, ModelParameters global, ServerState state,
                                    List<ClientResult> results) {
            ModelParameters mean = Aggregation.of(spec, global, results);
            List<NamedTensor> next = new ArrayList<>();
            for (NamedTensor g : global.tensors()) {
                float[] m = mean.get(g.name()).values();
                float[] out = new float[m.length];
                for (int i = 0; i < out.length; i++) {
                    out[i] = (float) (g.values()[i] + 1e30 * ((double) m[i] - g.values()[i]));
                }
                next.add(new NamedTensor(g.name(), g.shape(), out));
            }
            return new Aggregated(new ModelParameters(next), state);
        }
    }

    @Test
    void aRoundWhoseAggregateOverflowsFailsTheJobAndPublishesNothing() {
        EngineFixtures.MutableClock clock = new EngineFixtures.MutableClock(T0);
        FederationEngine engine = new FederationEngine(new StrategyRegistry(new ServerSgd()), SETTINGS, clock);
        FederationEngine.Started started = engine.submit("sync-overflow",
                spec(Map.of("algorithm", SERVER_SGD, "totalClients", 2, "clientsPerRound", 2)), null);
        JobState job = started.job();
        Decision.SendTasks round1 = one(started.decisions(), Decision.SendTasks.class);

        engine.handle(job, input(answer("sync-overflow", round1, 0, shifted(initialModel(), 1e9f), 10)));
        FederationEngine.Outcome closed = engine.handle(job,
                input(answer("sync-overflow", round1, 1, shifted(initialModel(), 1e9f), 10)));

        assertEquals(List.of("UpdateCounted", "Complete"), kinds(closed.decisions()),
                "no global model is published and no round 2 starts");
        Decision.Complete complete = one(closed.decisions(), Decision.Complete.class);
        assertEquals(SearchStatus.FAILED, complete.status());
        assertEquals("round 1: the aggregated global model has NaN or infinite values in 'fc.weight'",
                complete.reason());
        assertEquals(JobPhase.FAILED, job.phase());
        assertEquals(0, job.completedRounds());
        assertNull(job.global().firstNonFinite(), "the last finite model stays the job's model");
    }
}
