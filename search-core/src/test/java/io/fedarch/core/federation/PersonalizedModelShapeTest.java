package io.fedarch.core.federation;

import static io.fedarch.core.federation.EngineFixtures.T0;
import static io.fedarch.core.federation.EngineFixtures.answer;
import static io.fedarch.core.federation.EngineFixtures.assertAccepted;
import static io.fedarch.core.federation.EngineFixtures.assertRejected;
import static io.fedarch.core.federation.EngineFixtures.constant;
import static io.fedarch.core.federation.EngineFixtures.input;
import static io.fedarch.core.federation.EngineFixtures.one;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.fedarch.core.model.ModelInitializer;
import io.fedarch.core.strategy.ClientArchitecture;
import io.fedarch.core.strategy.Personalization;
import io.fedarch.core.strategy.StrategyRegistry;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.events.ClientUpdate;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelSpec;

/**
 * A strategy that gives each client a network of its own (Meta-DNAS's derived network) names it from
 * what the client reported; the engine then checks the personalized model against that network, not
 * the global one, and refuses a model that fits neither, or a report that names no network.
 */
class PersonalizedModelShapeTest {
    private static final String OWN = "testown";

    /** {@link EngineFixtures.TestAvg} whose clients' personalized models are CNNs with their reported hidden width. */
    static final class TestOwn extends EngineFixtures.TestAvg {
        @Override
        public String name() {
            return OWN;
        }

        @Override
        public Optional<ClientArchitecture> clientArchitecture(JobSpec spec, int clientId, Map<String, Double> reported) {
            Double hidden = reported.get("hidden");
            if (hidden == null) {
                throw new IllegalArgumentException("the report names no hidden width");
            }
            return Optional.of(new ClientArchitecture("{}", null, 0, 0, Map.of(), own(hidden.intValue())));
        }
    }

    static ModelSpec own(int hidden) {
        return ModelSpec.newBuilder().setFamily("cnn")
                .setOptions(Map.of("conv1", "2", "conv2", "2", "hidden", Integer.toString(hidden))).build();
    }

    private static ClientUpdate personalized(String jobId, Decision.SendTasks stage, int client, ModelParameters model,
                                             Double hidden) {
        ClientUpdate update = answer(jobId, stage, client, model, 10);
        Map<String, Double> custom = new HashMap<>(Map.of(Personalization.LOCAL_TEST_ACCURACY, 0.8,
                Personalization.LOCAL_TEST_LOSS, 0.3, Personalization.LOCAL_TEST_SAMPLES, 100.0,
                Personalization.GLOBAL_LOCAL_TEST_ACCURACY, 0.5));
        if (hidden != null) {
            custom.put("hidden", hidden);
        }
        update.getMetrics().setCustom(custom);
        return update;
    }

    @Test
    void aPersonalizedModelMustFitTheNetworkItsClientReported() {
        FederationEngine engine = new FederationEngine(new StrategyRegistry(new TestOwn()), EngineFixtures.SETTINGS,
                new EngineFixtures.MutableClock(T0));
        JobSpec spec = EngineFixtures.spec(Map.of("algorithm", OWN, "rounds", 1, "clientsPerRound", 2,
                "totalClients", 2, "personalizationEpochs", 1));
        FederationEngine.Started started = engine.submit("own", spec, null);
        JobState job = started.job();
        Decision.SendTasks round1 = one(started.decisions(), Decision.SendTasks.class);
        engine.handle(job, input(answer("own", round1, 0, constant(1f), 10)));
        Decision.SendTasks stage = one(engine.handle(job, input(answer("own", round1, 1, constant(1f), 10)))
                .decisions(), Decision.SendTasks.class);
        assertEquals(JobPhase.PERSONALIZING, job.phase());

        ModelParameters wide = ModelInitializer.initialize(own(8), 0);
        String misfit = assertRejected(engine.handle(job, input(personalized("own", stage, 0, constant(2f), 8.0))));
        assertTrue(misfit.startsWith("update of client 0 does not fit the model of job own"), misfit);
        String unnamed = assertRejected(engine.handle(job, input(personalized("own", stage, 0, wide, null))));
        assertEquals("personalized model of client 0 of job own describes no architecture of this job: the report "
                + "names no hidden width", unnamed);

        assertAccepted(engine.handle(job, input(personalized("own", stage, 0, wide, 8.0))));
        FederationEngine.Outcome last = engine.handle(job, input(personalized("own", stage, 1,
                ModelInitializer.initialize(own(3), 0), 3.0)));
        assertAccepted(last);
        assertEquals(List.of(0, 1), job.personalizedClients());
        assertEquals(JobPhase.SUCCEEDED, job.phase());
    }
}
