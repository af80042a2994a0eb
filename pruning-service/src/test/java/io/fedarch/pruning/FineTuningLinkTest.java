package io.fedarch.pruning;

import static io.fedarch.pruning.ArchitectureExportTest.completed;
import static io.fedarch.pruning.ArchitectureExportTest.search;
import static io.fedarch.pruning.ArchitectureExportTest.supernet;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.fedarch.broker.KafkaBrokerTestResource;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.events.*;
import io.fedarch.events.spec.DerivedJobs;
import io.fedarch.events.wire.EventCodec;
import io.fedarch.events.wire.TopicTap;
import io.fedarch.events.wire.Topics;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * A completed job that names a parent is delivered as that parent's model only when it is the
 * fine-tuning job this service submitted for it (its derived id and the digest of the spec it
 * submitted, kept in search.json), and only once. Anything else is a dead letter that says why,
 * and the parent's files and model-ready events stay as they were.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerTestResource.class)
class FineTuningLinkTest {
    private static final Duration WAIT = Duration.ofSeconds(120);
    /** Long enough for the service to have handled an event it would (wrongly) deliver. */
    private static final Duration QUIET = Duration.ofSeconds(4);
    private static TopicTap tap;

    @BeforeAll
    static void connect() {
        tap = new TopicTap(ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class));
    }

    @AfterAll
    static void disconnect() {
        tap.close();
    }

    /** Completes the search {@code jobId}; returns the fine-tuning job the service submits for it. */
    private static JobSubmitted searchWithFineTuning(String jobId, TopicTap.Reader<JobSubmitted> jobs) {
        JobSpec spec = search(2);
        tap.send(Topics.SEARCH_COMPLETIONS, jobId, completed(jobId, spec, SearchStatus.SUCCEEDED, supernet(spec, 0)));
        return jobs.await(1, j -> j.getJobId().equals(DerivedJobs.fineTuneJobId(jobId)), WAIT).get(0);
    }

    /** An independent copy, as another submitter would send it. */
    private static JobSpec copy(JobSpec spec) {
        return EventCodec.decode(EventCodec.encode(spec), JobSpec.class);
    }

    /** Weights of the right shapes that are not the fine-tuned ones: what an intruder would ship. */
    private static ModelParameters zeros(ModelParameters like) {
        return new ModelParameters(like.tensors().stream()
                .map(t -> new NamedTensor(t.name(), t.shape(), new float[t.values().length])).toList());
    }

    @Test
    void aJobThatOnlyNamesAnotherAsItsParentDeliversNothingForIt() throws Exception {
        String victim = "victim-" + UUID.randomUUID();
        String intruder = "intruder-" + UUID.randomUUID();
        try (var jobs = tap.follow(Topics.JOBS, JobSubmitted.class);
             var ready = tap.follow(Topics.MODELS_READY, ModelReady.class);
             var deadLetters = tap.follow(Topics.DEAD_LETTERS, DeadLetter.class)) {
            JobSubmitted fineTune = searchWithFineTuning(victim, jobs);
            ModelParameters tuned = TensorCodec.fromAvro(fineTune.getInitialModel());
            tap.send(Topics.SEARCH_COMPLETIONS, fineTune.getJobId(),
                    completed(fineTune.getJobId(), fineTune.getSpec(), SearchStatus.SUCCEEDED, tuned));
            ModelReady delivered = ready.await(1, m -> m.getJobId().equals(victim), WAIT).get(0);
            Path weights = Path.of(delivered.getArtifactUri(), "model.safetensors");
            byte[] before = Files.readAllBytes(weights);

            // The same spec as the real fine-tuning job, parentJobId included: only the job id differs.
            tap.send(Topics.SEARCH_COMPLETIONS, intruder,
                    completed(intruder, copy(fineTune.getSpec()), SearchStatus.FAILED, null));
            tap.send(Topics.SEARCH_COMPLETIONS, intruder,
                    completed(intruder, copy(fineTune.getSpec()), SearchStatus.SUCCEEDED, zeros(tuned)));

            assertEquals(0, ready.during(QUIET, m -> m.getJobId().equals(victim)).size(),
                    "no second model for " + victim);
            for (DeadLetter letter : deadLetters.await(2, d -> intruder.equals(d.getJobId()), WAIT)) {
                assertTrue(letter.getReason().contains(
                        "job " + intruder + " is not the fine-tuning job fedarch submitted for " + victim),
                        letter.getReason());
            }
            assertArrayEquals(before, Files.readAllBytes(weights), "the victim's weights are untouched");
        }
    }

    @Test
    void aFineTuningIdTakenWithAnotherSpecDeliversNothing() throws Exception {
        String victim = "squatted-" + UUID.randomUUID();
        try (var jobs = tap.follow(Topics.JOBS, JobSubmitted.class);
             var ready = tap.follow(Topics.MODELS_READY, ModelReady.class);
             var deadLetters = tap.follow(Topics.DEAD_LETTERS, DeadLetter.class)) {
            JobSubmitted fineTune = searchWithFineTuning(victim, jobs);

            // Someone submitted the predictable id first, with a spec of their own; the coordinator ran theirs.
            JobSpec squatted = copy(fineTune.getSpec());
            squatted.setLearningRate(squatted.getLearningRate() * 100);
            tap.send(Topics.SEARCH_COMPLETIONS, fineTune.getJobId(), completed(fineTune.getJobId(), squatted,
                    SearchStatus.SUCCEEDED, TensorCodec.fromAvro(fineTune.getInitialModel())));

            assertEquals(0, ready.during(QUIET, m -> m.getJobId().equals(victim)).size(),
                    "nothing delivered for " + victim);
            DeadLetter letter = deadLetters.await(1, d -> fineTune.getJobId().equals(d.getJobId()), WAIT).get(0);
            assertTrue(letter.getReason().contains("job " + fineTune.getJobId()
                    + " is not the fine-tuning job fedarch submitted for " + victim), letter.getReason());
            assertTrue(letter.getReason().contains("spec"), letter.getReason());
            Path record = Path.of(ConfigProvider.getConfig().getValue("fedarch.export.dir", String.class))
                    .toAbsolutePath().resolve(victim).resolve("search").resolve("search.json");
            Map<?, ?> link = (Map<?, ?>) new ObjectMapper().readValue(record.toFile(), Map.class).get("fineTuneJob");
            assertNotNull(link, "search.json records the fine-tuning job it submitted");
            assertEquals(fineTune.getJobId(), link.get("jobId"));
            assertTrue(String.valueOf(link.get("specSha256")).matches("[0-9a-f]{64}"), String.valueOf(link));
            assertFalse(Files.exists(record.getParent().resolveSibling("global")), "no model files for " + victim);
        }
    }

    @Test
    void aFineTuningJobDeliversItsParentOnlyOnce() {
        String parent = "once-" + UUID.randomUUID();
        try (var jobs = tap.follow(Topics.JOBS, JobSubmitted.class);
             var ready = tap.follow(Topics.MODELS_READY, ModelReady.class);
             var deadLetters = tap.follow(Topics.DEAD_LETTERS, DeadLetter.class)) {
            JobSubmitted fineTune = searchWithFineTuning(parent, jobs);
            tap.send(Topics.SEARCH_COMPLETIONS, fineTune.getJobId(), completed(fineTune.getJobId(),
                    fineTune.getSpec(), SearchStatus.SUCCEEDED, TensorCodec.fromAvro(fineTune.getInitialModel())));
            ready.await(1, m -> m.getJobId().equals(parent), WAIT);

            // A second completion of the same id (e.g. a re-run after the coordinator lost the job) changes nothing.
            tap.send(Topics.SEARCH_COMPLETIONS, fineTune.getJobId(),
                    completed(fineTune.getJobId(), copy(fineTune.getSpec()), SearchStatus.FAILED, null));
            assertEquals(0, ready.during(QUIET, m -> m.getJobId().equals(parent)).size(),
                    "one model for " + parent);
            DeadLetter letter = deadLetters.await(1, d -> fineTune.getJobId().equals(d.getJobId()), WAIT).get(0);
            assertTrue(letter.getReason().contains("already delivered"), letter.getReason());
        }
    }
}
