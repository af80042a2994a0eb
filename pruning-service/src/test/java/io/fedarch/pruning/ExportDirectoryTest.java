package io.fedarch.pruning;

import static io.fedarch.pruning.ModelExportTest.completion;
import static io.fedarch.pruning.ModelExportTest.tinyJob;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fedarch.broker.KafkaBrokerTestResource;
import io.fedarch.core.model.ModelInitializer;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.events.*;
import io.fedarch.events.wire.TopicTap;
import io.fedarch.events.wire.Topics;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * Job ids come from whoever submits a job; each must get an export directory of its own. Ids that
 * are already safe file names keep them as they are; others must not land in another job's.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerTestResource.class)
class ExportDirectoryTest {
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

    private static Path exportRoot() {
        return Path.of(ConfigProvider.getConfig().getValue("fedarch.export.dir", String.class)).toAbsolutePath();
    }

    private static void complete(String jobId, JobSpec spec) {
        tap.send(Topics.SEARCH_COMPLETIONS, jobId, completion(jobId, spec, SearchStatus.SUCCEEDED,
                TensorCodec.toAvro(ModelInitializer.initialize(spec.getModel(), 1), DType.FP32)));
    }

    @Test
    void idsThatLookAlikeAfterSanitizingGetDirectoriesOfTheirOwn() {
        JobSpec spec = tinyJob();
        String run = UUID.randomUUID().toString();
        String slashed = "t/1-" + run;
        String underscored = "t_1-" + run;
        String ordinary = "job-123-" + run;
        try (var ready = tap.follow(Topics.MODELS_READY, ModelReady.class)) {
            complete(slashed, spec);
            complete(underscored, spec);
            complete(ordinary, spec);
            ModelReady a = ready.await(1, m -> m.getJobId().equals(slashed), WAIT).get(0);
            ModelReady b = ready.await(1, m -> m.getJobId().equals(underscored), WAIT).get(0);
            ModelReady c = ready.await(1, m -> m.getJobId().equals(ordinary), WAIT).get(0);
            Path dirA = Path.of(a.getArtifactUri()).getParent();
            Path dirB = Path.of(b.getArtifactUri()).getParent();
            assertNotEquals(dirA, dirB, "t/1 and t_1 must not share a directory");
            assertEquals(exportRoot().resolve(underscored), dirB, "a safe id is its own directory name");
            assertEquals(exportRoot().resolve(ordinary), Path.of(c.getArtifactUri()).getParent());
            assertEquals(exportRoot(), dirA.getParent(), "no escape from the export directory");
            assertTrue(dirA.getFileName().toString().startsWith("t_1-" + run), "readable prefix: " + dirA);
        }
    }

    @Test
    void anEmptyJobIdIsRefusedAndWritesNothing() {
        JobSpec spec = tinyJob();
        Path rootModel = exportRoot().resolve("global").resolve("model.json");
        try (var ready = tap.follow(Topics.MODELS_READY, ModelReady.class);
             var deadLetters = tap.follow(Topics.DEAD_LETTERS, DeadLetter.class)) {
            long before = Files.exists(rootModel) ? rootModel.toFile().lastModified() : -1;
            complete("", spec);
            assertTrue(ready.during(Duration.ofSeconds(4), m -> m.getJobId().isEmpty()).isEmpty(), "no model for \"\"");
            DeadLetter letter = deadLetters.await(1, d -> "".equals(d.getJobId()), WAIT).get(0);
            assertTrue(letter.getReason().contains("empty job id"), letter.getReason());
            assertEquals(before, Files.exists(rootModel) ? rootModel.toFile().lastModified() : -1,
                    "nothing written into the export root");
        }
    }
}
