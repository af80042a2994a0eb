package io.fedarch.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fedarch.broker.KafkaBrokerTestResource;
import io.fedarch.events.ClientTask;
import io.fedarch.events.DeadLetter;
import io.fedarch.events.SearchCompleted;
import io.fedarch.events.SearchStatus;
import io.fedarch.events.wire.TopicTap;
import io.fedarch.events.wire.Topics;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Review findings C1 and C2 as a user meets them, on a real broker: well-formed but hostile
 * JobSubmitted events (only the .avsc contract needed to write them) are dead-lettered with their
 * reason, and the ordinary job published right after them is accepted and completes.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerTestResource.class)
class HostileJobFlowTest {
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

    @Test
    void hostileSpecsAreDeadLetteredAndTheNextJobStillRuns() {
        String clients = "hostile-clients-" + UUID.randomUUID();
        String checkpoint = "hostile-checkpoint-" + UUID.randomUUID();
        String normal = "normal-" + UUID.randomUUID();
        try (var tasks = tap.follow(Topics.CLIENT_TASKS, ClientTask.class);
             var deadLetters = tap.follow(Topics.DEAD_LETTERS, DeadLetter.class);
             var completions = tap.follow(Topics.SEARCH_COMPLETIONS, SearchCompleted.class)) {
            // C1: before, selecting 1 of 2^31-1 clients threw OutOfMemoryError past the guard and stopped the channel.
            tap.send(Topics.JOBS, clients, FederationFlowTest.submission(clients, FederationFlowTest.tinyJob(
                    Map.of("totalClients", Integer.MAX_VALUE, "clientsPerRound", 1))));
            // C2: before, its 69.6 MB FP32 checkpoint was retried forever under the job's lock.
            tap.send(Topics.JOBS, checkpoint, FederationFlowTest.submission(checkpoint, FederationFlowTest.tinyJob(
                    Map.of("tensorDType", "FP16", "model", Map.of("family", "cnn",
                            "options", Map.of("hidden", "11000"))))));
            tap.send(Topics.JOBS, normal, FederationFlowTest.submission(normal, FederationFlowTest.tinyJob(
                    Map.of("rounds", 1))));

            // Both in one await: the two dead letters can arrive in one poll, and a reader's await drops what
            // its filter does not take, so a second await could miss the second.
            Map<String, DeadLetter> refused = deadLetters.await(2,
                    d -> clients.equals(d.getJobId()) || checkpoint.equals(d.getJobId()), WAIT).stream()
                    .collect(Collectors.toMap(DeadLetter::getJobId, d -> d, (a, b) -> a));
            assertEquals(Set.of(clients, checkpoint), refused.keySet(), "one dead letter for each hostile job");
            String first = refused.get(clients).getReason();
            assertTrue(first.contains("totalClients 2147483647 exceeds the limit"), first);
            String second = refused.get(checkpoint).getReason();
            assertTrue(second.contains("its checkpoint would be about"), second);

            List<ClientTask> round = tasks.await(3, t -> t.getJobId().equals(normal), WAIT);
            for (ClientTask task : round) {
                tap.send(Topics.CLIENT_UPDATES, normal, FederationFlowTest.constantUpdate(task, 1f, 10));
            }
            SearchCompleted done = completions.await(1, c -> c.getJobId().equals(normal), WAIT).get(0);
            assertEquals(SearchStatus.SUCCEEDED, done.getStatus());
            assertEquals(List.of(), tasks.during(Duration.ofMillis(200), t -> t.getJobId().equals(clients)
                    || t.getJobId().equals(checkpoint)), "a refused job published tasks");
        }
    }
}
