package io.fedarch.coordinator;

import static io.fedarch.coordinator.FederationFlowTest.submission;
import static io.fedarch.coordinator.FederationFlowTest.tinyJob;
import static io.fedarch.coordinator.FederationFlowTest.update;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fedarch.broker.KafkaBrokerTestResource;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.events.ClientTask;
import io.fedarch.events.ClientUpdate;
import io.fedarch.events.DType;
import io.fedarch.events.DeadLetter;
import io.fedarch.events.GlobalModel;
import io.fedarch.events.JobSpec;
import io.fedarch.events.SearchCompleted;
import io.fedarch.events.SearchStatus;
import io.fedarch.events.wire.TopicTap;
import io.fedarch.events.wire.Topics;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Buffered asynchronous aggregation (FedBuff) on a real broker, the test playing the workers: it
 * answers each task with the task's own model plus a constant, so every delta is that constant
 * and each published version can be checked by hand against the staleness weights.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerTestResource.class)
class AsyncFederationFlowTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static TopicTap tap;

    @BeforeAll
    static void connect() {
        tap = new TopicTap(ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class));
    }

    @AfterAll
    static void disconnect() {
        tap.close();
    }

    /** The task's model plus {@code delta} everywhere. */
    private static ClientUpdate trained(ClientTask task, float delta) {
        List<NamedTensor> tensors = new ArrayList<>();
        for (NamedTensor t : TensorCodec.fromAvro(task.getGlobalModel()).tensors()) {
            float[] values = t.values().clone();
            for (int i = 0; i < values.length; i++) {
                values[i] += delta;
            }
            tensors.add(new NamedTensor(t.name(), t.shape(), values));
        }
        return update(task, TensorCodec.toAvro(new ModelParameters(tensors), DType.FP32), 10);
    }

    /** Every value of {@code version} minus the same value of {@code initial} equals {@code shift}. */
    private static void assertShifted(GlobalModel version, ModelParameters initial, double shift) {
        ModelParameters model = TensorCodec.fromAvro(version.getModelState());
        for (NamedTensor t : model.tensors()) {
            float[] start = initial.get(t.name()).values();
            for (int i = 0; i < start.length; i++) {
                assertEquals(start[i] + shift, t.values()[i], 1e-5, "version " + version.getRound() + " " + t.name());
            }
        }
    }

    @Test
    void buffersKUpdatesWeighsThemByStalenessAndDropsTooStaleOnes() {
        String jobId = "async-" + UUID.randomUUID();
        // 4 clients, 2 training at once, a version every 2 updates, weight 1/(1+s), updates staler than 1 dropped.
        JobSpec spec = tinyJob(Map.of("totalClients", 4, "clientsPerRound", 2, "rounds", 4,
                "asyncAggregation", Map.of("bufferSize", 2, "concurrency", 2, "stalenessExponent", 1.0,
                        "serverLearningRate", 1.0, "maxStaleness", 1)));
        try (var tasks = tap.follow(Topics.CLIENT_TASKS, ClientTask.class);
             var globals = tap.follow(Topics.GLOBAL_MODELS, GlobalModel.class);
             var deadLetters = tap.follow(Topics.DEAD_LETTERS, DeadLetter.class);
             var completions = tap.follow(Topics.SEARCH_COMPLETIONS, SearchCompleted.class)) {
            tap.send(Topics.JOBS, jobId, submission(jobId, spec));
            List<ClientTask> first = tasks.await(2, t -> t.getJobId().equals(jobId), WAIT);
            assertNotEquals(first.get(0).getClientId(), first.get(1).getClientId(), "one task per client");
            for (ClientTask task : first) {
                assertEquals(0, task.getModelVersion());
                assertEquals(1, task.getRound(), "round = base version + 1");
            }
            ModelParameters initial = TensorCodec.fromAvro(first.get(0).getGlobalModel());
            ClientTask a = first.get(0);
            ClientTask b = first.get(1);

            // A answers (delta 1): buffered, and at once a new task goes to an idle client, still on version 0.
            tap.send(Topics.CLIENT_UPDATES, jobId, trained(a, 1f));
            ClientTask c = nextTask(tasks, jobId, Set.of(b.getClientId()));
            assertEquals(0, c.getModelVersion());
            // A copy of A's update changes nothing (no dead letter, no version).
            tap.send(Topics.CLIENT_UPDATES, jobId, trained(a, 1f));
            // C answers (delta 3): 2 fresh updates -> version 1 = initial + (1/2)(1 + 3) = initial + 2.
            tap.send(Topics.CLIENT_UPDATES, jobId, trained(c, 3f));
            GlobalModel v1 = globals.await(1, g -> g.getJobId().equals(jobId), WAIT).get(0);
            assertEquals(1, v1.getRound());
            assertEquals(1, v1.getModelVersion());
            assertEquals(Set.of(a.getClientId(), c.getClientId()), new HashSet<>(v1.getParticipants()));
            assertEquals(2, v1.getMetrics().getClientsReported());
            assertEquals(0.0, v1.getMetrics().getCustom().get("meanStaleness"));
            assertShifted(v1, initial, 2.0);
            ClientTask d = nextTask(tasks, jobId, Set.of(b.getClientId()));
            assertEquals(1, d.getModelVersion(), "a task issued after version 1 carries it");
            assertEquals(2, d.getRound());

            // B started from version 0 and answers now (delta 4): staleness 1, weight 1/2.
            tap.send(Topics.CLIENT_UPDATES, jobId, trained(b, 4f));
            ClientTask e = nextTask(tasks, jobId, Set.of(d.getClientId()));
            // D is fresh (delta 2): version 2 = version 1 + (1/2)(4/2 + 2) = initial + 4.
            tap.send(Topics.CLIENT_UPDATES, jobId, trained(d, 2f));
            GlobalModel v2 = globals.await(1, g -> g.getJobId().equals(jobId), WAIT).get(0);
            assertEquals(2, v2.getRound());
            assertEquals(0.5, v2.getMetrics().getCustom().get("meanStaleness"), 1e-12);
            assertEquals(1.0, v2.getMetrics().getCustom().get("maxStaleness"));
            assertShifted(v2, initial, 4.0);
            ClientTask f = nextTask(tasks, jobId, Set.of(e.getClientId()));

            // F and its successor G (both fresh, delta 2) make version 3 = initial + 6.
            tap.send(Topics.CLIENT_UPDATES, jobId, trained(f, 2f));
            ClientTask g = nextTask(tasks, jobId, Set.of(e.getClientId()));
            tap.send(Topics.CLIENT_UPDATES, jobId, trained(g, 2f));
            GlobalModel v3 = globals.await(1, m -> m.getJobId().equals(jobId), WAIT).get(0);
            assertShifted(v3, initial, 6.0);
            ClientTask h = nextTask(tasks, jobId, Set.of(e.getClientId()));

            // E started from version 1; at version 3 its staleness 2 exceeds maxStaleness 1: dropped, yet its client is replaced.
            tap.send(Topics.CLIENT_UPDATES, jobId, trained(e, 100f));
            ClientTask i = nextTask(tasks, jobId, Set.of(h.getClientId()));
            // An update for a task the job never gave is refused with the reason.
            ClientUpdate forged = trained(h, 1f);
            forged.setTaskEventId("no-such-task");
            tap.send(Topics.CLIENT_UPDATES, jobId, forged);
            DeadLetter refused = deadLetters.await(1, l -> jobId.equals(l.getJobId()), WAIT).get(0);
            assertTrue(refused.getReason().contains("never gave it"), refused.getReason());

            tap.send(Topics.CLIENT_UPDATES, jobId, trained(h, 2f));
            // H fills the buffer to 1 of 2: its client is replaced at once, as always before the last version.
            nextTask(tasks, jobId, Set.of(i.getClientId()));
            tap.send(Topics.CLIENT_UPDATES, jobId, trained(i, 2f));
            GlobalModel v4 = globals.await(1, m -> m.getJobId().equals(jobId), WAIT).get(0);
            assertEquals(4, v4.getRound());
            assertShifted(v4, initial, 8.0);
            assertEquals(1.0, v4.getMetrics().getCustom().get("droppedStale"), "E's update was dropped, not applied");

            SearchCompleted done = completions.await(1, m -> m.getJobId().equals(jobId), WAIT).get(0);
            assertEquals(SearchStatus.SUCCEEDED, done.getStatus());
            assertEquals(4, done.getRoundsCompleted());
            assertNotNull(done.getFinalModel());
            assertTrue(tasks.during(Duration.ofSeconds(2), t -> t.getJobId().equals(jobId)).isEmpty(),
                    "no task after the last version");
            assertTrue(deadLetters.during(Duration.ofSeconds(1), l -> jobId.equals(l.getJobId())).isEmpty(),
                    "the duplicate was ignored, not refused");
        }
    }

    @Test
    void aTaskPastItsDeadlineGoesToAnotherClient() {
        String jobId = "async-deadline-" + UUID.randomUUID();
        JobSpec spec = tinyJob(Map.of("totalClients", 3, "clientsPerRound", 1, "rounds", 1, "roundDeadlineMs", 3000,
                "asyncAggregation", Map.of("bufferSize", 1, "concurrency", 1)));
        try (var tasks = tap.follow(Topics.CLIENT_TASKS, ClientTask.class);
             var completions = tap.follow(Topics.SEARCH_COMPLETIONS, SearchCompleted.class)) {
            tap.send(Topics.JOBS, jobId, submission(jobId, spec));
            ClientTask lost = tasks.await(1, t -> t.getJobId().equals(jobId), WAIT).get(0);
            ClientTask reissued = tasks.await(1, t -> t.getJobId().equals(jobId), WAIT).get(0);
            assertNotEquals(lost.getClientId(), reissued.getClientId(), "reissued to another client");
            assertNotEquals(lost.getEventId(), reissued.getEventId());
            tap.send(Topics.CLIENT_UPDATES, jobId, trained(reissued, 1f));
            SearchCompleted done = completions.await(1, m -> m.getJobId().equals(jobId), WAIT).get(0);
            assertEquals(SearchStatus.SUCCEEDED, done.getStatus());
            assertEquals(1, done.getRoundsCompleted());
        }
    }

    /** The next task of the job; it must not go to a client that is still training. */
    private static ClientTask nextTask(TopicTap.Reader<ClientTask> tasks, String jobId, Set<Integer> busy) {
        ClientTask next = tasks.await(1, t -> t.getJobId().equals(jobId), WAIT).get(0);
        assertTrue(!busy.contains(next.getClientId()), "client " + next.getClientId() + " already has a task");
        return next;
    }
}
