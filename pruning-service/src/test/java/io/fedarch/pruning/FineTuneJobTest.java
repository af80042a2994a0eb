package io.fedarch.pruning;

import static io.fedarch.pruning.ArchitectureExportTest.completed;
import static io.fedarch.pruning.ArchitectureExportTest.search;
import static io.fedarch.pruning.ArchitectureExportTest.supernet;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.UUID;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fedarch.broker.KafkaBrokerTestResource;
import io.fedarch.events.*;
import io.fedarch.events.spec.DerivedJobs;
import io.fedarch.events.wire.TopicTap;
import io.fedarch.events.wire.Topics;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The fine-tuning job finalizes the search's model, so it must run under the same defences and
 * protocol limits the search job asked for: a FedNAS search with Krum must not be fine-tuned with
 * the plain mean, and an experiment's simulated attackers must not vanish for its last stage.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerTestResource.class)
class FineTuneJobTest {
    private static final Duration WAIT = Duration.ofSeconds(120);
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
    void theFineTuningJobKeepsTheSearchsRobustnessRoundAndCompressionSettings() {
        JobSpec spec = search(3);
        spec.setRobustAggregation(RobustAggregation.newBuilder().setRule(AggregationRule.KRUM)
                .setByzantineClients(1).setClipNorm(0).setTrimFraction(0.2).build());
        spec.setMaxRoundAttempts(5);
        spec.setCompression(io.fedarch.events.UpdateCompression.newBuilder()
                .setUplink(io.fedarch.events.UpdateCodec.TOPK).setDownlink(io.fedarch.events.UpdateCodec.INT8)
                .setTopKFraction(0.2).build());
        spec.setSimulatedAttack(SimulatedAttack.newBuilder().setFraction(0.5).setKind(AttackKind.SCALE)
                .setScale(10).build());
        String jobId = "robust-" + UUID.randomUUID();
        try (var jobs = tap.follow(Topics.JOBS, JobSubmitted.class)) {
            tap.send(Topics.SEARCH_COMPLETIONS, jobId, completed(jobId, spec, SearchStatus.SUCCEEDED, supernet(spec, 0)));
            JobSpec tuned = jobs.await(1, j -> j.getJobId().equals(DerivedJobs.fineTuneJobId(jobId)), WAIT).get(0)
                    .getSpec();
            assertEquals(spec.getRobustAggregation(), tuned.getRobustAggregation());
            assertEquals(5, tuned.getMaxRoundAttempts());
            assertEquals(spec.getSimulatedAttack(), tuned.getSimulatedAttack());
            assertEquals(spec.getQuorum(), tuned.getQuorum());
            assertEquals(spec.getRoundDeadlineMs(), tuned.getRoundDeadlineMs());
            assertEquals(spec.getCompression(), tuned.getCompression(), "the fine-tuning rounds cost what the search's did");
        }
    }
}
