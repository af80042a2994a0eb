package io.fedarch.pruning;

import static io.fedarch.pruning.ModelExportTest.completion;
import static io.fedarch.pruning.ModelExportTest.tinyJob;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
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
 * With the filesystem store (the default), a delivered model's files never change after its
 * ModelReady: they are read-only, and a second delivery to the same place (a replayed completion)
 * is a dead letter that says why, not a silent overwrite of what consumers already verified.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerTestResource.class)
class SealedDeliveryTest {
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
    void deliveredFilesAreReadOnlyAndAReplayIsADeadLetterThatLeavesThemAsAnnounced() throws Exception {
        JobSpec spec = tinyJob();
        String jobId = "sealed-" + UUID.randomUUID();
        ModelState weights = TensorCodec.toAvro(ModelInitializer.initialize(spec.getModel(), 1), DType.FP32);
        try (var ready = tap.follow(Topics.MODELS_READY, ModelReady.class);
             var deadLetters = tap.follow(Topics.DEAD_LETTERS, DeadLetter.class)) {
            tap.send(Topics.SEARCH_COMPLETIONS, jobId, completion(jobId, spec, SearchStatus.SUCCEEDED, weights));
            ModelReady model = ready.await(1, m -> m.getJobId().equals(jobId), WAIT).get(0);
            assertFalse(Files.getPosixFilePermissions(Path.of(model.getArtifactUri()))
                    .contains(PosixFilePermission.OWNER_WRITE), "the delivery's directory is read-only");
            for (Artifact file : model.getFiles()) {
                assertFalse(Files.getPosixFilePermissions(Path.of(file.getPath()))
                        .contains(PosixFilePermission.OWNER_WRITE), file.getPath() + " is read-only");
            }

            // Other weights under the same job id: refused before anything is written.
            ModelState other = TensorCodec.toAvro(ModelInitializer.initialize(spec.getModel(), 2), DType.FP32);
            tap.send(Topics.SEARCH_COMPLETIONS, jobId, completion(jobId, spec, SearchStatus.SUCCEEDED, other));
            DeadLetter letter = deadLetters.await(1, d -> jobId.equals(d.getJobId()), WAIT).get(0);
            assertTrue(letter.getReason().contains("already delivered") && letter.getReason().contains("never change"),
                    letter.getReason());
            assertTrue(ready.during(Duration.ofSeconds(2), m -> m.getJobId().equals(jobId)).isEmpty(), "one model");
            for (Artifact file : model.getFiles()) {
                byte[] bytes = Files.readAllBytes(Path.of(file.getPath()));
                assertEquals(file.getSha256(), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                        .digest(bytes)), file.getPath() + " still what was announced");
            }
        }
    }
}
