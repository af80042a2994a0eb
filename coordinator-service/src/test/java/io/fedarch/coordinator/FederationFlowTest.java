package io.fedarch.coordinator;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.UUID;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fedarch.broker.KafkaBrokerTestResource;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.events.*;
import io.fedarch.events.spec.JobSpecReader;
import io.fedarch.events.wire.TopicTap;
import io.fedarch.events.wire.Topics;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The coordinator on a real broker, with the test speaking the workers' side of the protocol:
 * it reads client tasks and answers with client updates whose values it controls, so the
 * aggregate the coordinator publishes can be checked to the digit.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerTestResource.class)
class FederationFlowTest {
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

    static JobSpec tinyJob(Map<String, Object> overrides) {
        Map<String, Object> job = new HashMap<>(Map.of(
                "algorithm", "fedavg",
                "totalClients", 3, "clientsPerRound", 3, "rounds", 2,
                "model", Map.of("family", "cnn", "options", Map.of("conv1", 2, "conv2", 2, "hidden", 4))));
        job.putAll(overrides);
        return JobSpecReader.fromMap(job);
    }

    /** A REST call with the API token (the test profile's fedarch.api.token). */
    static io.restassured.specification.RequestSpecification api() {
        return given().auth().oauth2(ConfigProvider.getConfig().getValue("fedarch.api.token", String.class));
    }

    static JobSubmitted submission(String jobId, JobSpec spec) {
        return JobSubmitted.newBuilder().setEventId(UUID.randomUUID().toString()).setJobId(jobId)
                .setTimestamp(Instant.now()).setSpec(spec).build();
    }

    /** An update whose every value is {@code value}: the weighted mean of such updates is easy to compute by hand. */
    static ClientUpdate constantUpdate(ClientTask task, float value, long samples) {
        ModelParameters global = TensorCodec.fromAvro(task.getGlobalModel());
        List<NamedTensor> tensors = new ArrayList<>();
        for (NamedTensor t : global.tensors()) {
            float[] values = new float[t.size()];
            java.util.Arrays.fill(values, value);
            tensors.add(new NamedTensor(t.name(), t.shape(), values));
        }
        return update(task, TensorCodec.toAvro(new ModelParameters(tensors), DType.FP32), samples);
    }

    static ClientUpdate update(ClientTask task, ModelState state, long samples) {
        return ClientUpdate.newBuilder().setEventId(UUID.randomUUID().toString()).setJobId(task.getJobId())
                .setTimestamp(Instant.now()).setTaskEventId(task.getEventId()).setRound(task.getRound())
                .setClientId(task.getClientId()).setBaseModelVersion(task.getModelVersion())
                .setWorkerId("test-peer").setSampleCount(samples).setModelState(state)
                .setMetrics(ClientMetrics.newBuilder().setTrainLoss(1.0).setTrainAccuracy(0.5)
                        .setValidationLoss(1.0).setValidationAccuracy(0.5).setGlobalValidationAccuracy(0.25)
                        .setValidationSamples(10).setSteps(1).setComputeMs(5).setUpdateBytes(100).build())
                .build();
    }

    @Test
    void runsRoundsAndPublishesTheSampleWeightedAverage() {
        String jobId = "flow-" + UUID.randomUUID();
        try (var tasks = tap.follow(Topics.CLIENT_TASKS, ClientTask.class);
             var globals = tap.follow(Topics.GLOBAL_MODELS, GlobalModel.class);
             var completions = tap.follow(Topics.SEARCH_COMPLETIONS, SearchCompleted.class)) {
            tap.send(Topics.JOBS, jobId, submission(jobId, tinyJob(Map.of())));

            for (int round = 1; round <= 2; round++) {
                int r = round;
                List<ClientTask> roundTasks = tasks.await(3, t -> t.getJobId().equals(jobId) && t.getRound() == r, WAIT);
                assertEquals(List.of(0, 1, 2), roundTasks.stream().map(ClientTask::getClientId).sorted().toList());
                assertEquals(round - 1, roundTasks.get(0).getModelVersion());
                // client c sends all-(c+1) values with c+1 samples: mean = (1*1 + 2*2 + 3*3) / 6 = 14/6
                for (ClientTask task : roundTasks) {
                    int c = task.getClientId();
                    tap.send(Topics.CLIENT_UPDATES, jobId, constantUpdate(task, c + 1, c + 1));
                }
                GlobalModel global = globals.await(1, g -> g.getJobId().equals(jobId) && g.getRound() == r, WAIT).get(0);
                assertEquals(r, global.getModelVersion());
                assertEquals(3, global.getMetrics().getClientsReported());
                assertEquals(6, global.getMetrics().getSampleCount());
                assertEquals(300, global.getMetrics().getUpdateBytes());
                for (NamedTensor t : TensorCodec.fromAvro(global.getModelState()).tensors()) {
                    for (float v : t.values()) {
                        assertEquals(14.0 / 6.0, v, 1e-6, t.name());
                    }
                }
            }
            SearchCompleted done = completions.await(1, c -> c.getJobId().equals(jobId), WAIT).get(0);
            assertEquals(SearchStatus.SUCCEEDED, done.getStatus());
            assertEquals(2, done.getRoundsCompleted());
            assertNotNull(done.getFinalModel());
        }
        api().get("/jobs/" + jobId).then().statusCode(200).body("phase", equalTo("SUCCEEDED"));
    }

    @Test
    void personalizationAsksEveryClientAndPublishesEachAdaptedModel() {
        String jobId = "personal-" + UUID.randomUUID();
        JobSpec spec = tinyJob(Map.of("rounds", 1, "clientsPerRound", 2, "personalizationEpochs", 2));
        try (var tasks = tap.follow(Topics.CLIENT_TASKS, ClientTask.class);
             var personalized = tap.follow(Topics.PERSONALIZED_MODELS, PersonalizedModel.class);
             var deadLetters = tap.follow(Topics.DEAD_LETTERS, DeadLetter.class);
             var completions = tap.follow(Topics.SEARCH_COMPLETIONS, SearchCompleted.class)) {
            tap.send(Topics.JOBS, jobId, submission(jobId, spec));
            for (ClientTask task : tasks.await(2, t -> t.getJobId().equals(jobId) && t.getRound() == 1, WAIT)) {
                tap.send(Topics.CLIENT_UPDATES, jobId, constantUpdate(task, 1f, 10));
            }
            // Round 2 is the personalization stage: all three clients, not only the two per round.
            List<ClientTask> stage = tasks.await(3, t -> t.getJobId().equals(jobId) && t.getRound() == 2, WAIT);
            assertEquals(List.of(0, 1, 2), stage.stream().map(ClientTask::getClientId).sorted().toList());
            for (ClientTask task : stage) {
                assertEquals("personalize", task.getRoundConfig().get("stage"));
                assertEquals(1, task.getModelVersion());
            }
            api().get("/jobs/" + jobId).then().statusCode(200).body("phase", equalTo("PERSONALIZING"));

            // Without its local test figures an adapted model is refused with the reason.
            ClientUpdate bare = constantUpdate(stage.get(0), 2f, 10);
            tap.send(Topics.CLIENT_UPDATES, jobId, bare);
            DeadLetter refused = deadLetters.await(1, d -> jobId.equals(d.getJobId()), WAIT).get(0);
            assertTrue(refused.getReason().contains("localTestAccuracy"), refused.getReason());

            for (ClientTask task : stage) {
                ClientUpdate adapted = constantUpdate(task, 2f + task.getClientId(), 10);
                adapted.getMetrics().setCustom(Map.of("localTestAccuracy", 0.9 - 0.1 * task.getClientId(),
                        "localTestLoss", 0.3, "localTestSamples", 100.0 + task.getClientId(),
                        "globalLocalTestAccuracy", 0.5));
                tap.send(Topics.CLIENT_UPDATES, jobId, adapted);
            }
            List<PersonalizedModel> models = personalized.await(3, m -> m.getJobId().equals(jobId), WAIT);
            for (PersonalizedModel model : models) {
                int c = model.getClientId();
                assertEquals(0.9 - 0.1 * c, model.getLocalTestAccuracy(), 1e-12);
                assertEquals(100 + c, model.getLocalTestSamples());
                assertEquals(2, model.getSpec().getPersonalizationEpochs());
                for (NamedTensor t : TensorCodec.fromAvro(model.getModelState()).tensors()) {
                    assertEquals(2f + c, t.values()[0], t.name());
                }
            }
            SearchCompleted done = completions.await(1, c -> c.getJobId().equals(jobId), WAIT).get(0);
            assertEquals(SearchStatus.SUCCEEDED, done.getStatus());
            assertEquals(List.of(0, 1, 2), done.getPersonalizedClients());
            assertEquals(1, done.getRoundsCompleted());
            // The final model is the federated one, not any client's adaptation.
            assertEquals(1f, TensorCodec.fromAvro(done.getFinalModel()).tensors().get(0).values()[0]);
        }
    }

    @Test
    void aJobStartsFromItsInitialModelAndAMisfitOneIsRefused() {
        String jobId = "warm-" + UUID.randomUUID();
        String misfit = "misfit-" + UUID.randomUUID();
        JobSpec spec = tinyJob(Map.of("rounds", 1));
        ModelParameters shape = io.fedarch.core.model.ModelInitializer.initialize(spec.getModel(), 1);
        List<NamedTensor> sevens = new ArrayList<>();
        for (NamedTensor t : shape.tensors()) {
            float[] values = new float[t.size()];
            java.util.Arrays.fill(values, 7f);
            sevens.add(new NamedTensor(t.name(), t.shape(), values));
        }
        try (var tasks = tap.follow(Topics.CLIENT_TASKS, ClientTask.class);
             var deadLetters = tap.follow(Topics.DEAD_LETTERS, DeadLetter.class)) {
            JobSubmitted warm = submission(jobId, spec);
            warm.setInitialModel(TensorCodec.toAvro(new ModelParameters(sevens), DType.FP32));
            tap.send(Topics.JOBS, jobId, warm);
            ClientTask task = tasks.await(1, t -> t.getJobId().equals(jobId), WAIT).get(0);
            for (NamedTensor t : TensorCodec.fromAvro(task.getGlobalModel()).tensors()) {
                assertEquals(7f, t.values()[t.size() - 1], t.name());
            }

            JobSubmitted wrong = submission(misfit, spec);
            wrong.setInitialModel(TensorCodec.toAvro(new ModelParameters(List.of(
                    new NamedTensor("conv1.weight", new int[] {3}, new float[] {1, 2, 3}))), DType.FP32));
            tap.send(Topics.JOBS, misfit, wrong);
            DeadLetter letter = deadLetters.await(1, d -> misfit.equals(d.getJobId()) || misfit.equals(d.getKey()), WAIT).get(0);
            assertTrue(letter.getReason().contains("initial model"), letter.getReason());
        }
        api().get("/jobs/" + misfit).then().statusCode(404);
    }

    @Test
    void malformedAndUnknownInputGoesToDeadLettersAndTheServiceKeepsWorking() {
        try (var deadLetters = tap.follow(Topics.DEAD_LETTERS, DeadLetter.class);
             var tasks = tap.follow(Topics.CLIENT_TASKS, ClientTask.class)) {
            tap.sendRaw(Topics.JOBS, "garbage", "{\"not\": \"avro\"}".getBytes());
            DeadLetter garbage = deadLetters.await(1, d -> "garbage".equals(d.getKey()), WAIT).get(0);
            assertTrue(garbage.getReason().contains("JobSubmitted"), garbage.getReason());
            assertEquals(Topics.JOBS, garbage.getSourceTopic());
            assertEquals("{\"not\": \"avro\"}", new String(garbage.getPayload().array()));

            String unknown = "nobody-" + UUID.randomUUID();
            ClientTask fakeTask = ClientTask.newBuilder().setEventId("t").setJobId(unknown).setTimestamp(Instant.now())
                    .setRound(1).setClientId(0).setModelVersion(0).setDeadline(Instant.now()).setSpec(tinyJob(Map.of()))
                    .setGlobalModel(ModelState.newBuilder().setTensors(List.of()).build()).build();
            tap.send(Topics.CLIENT_UPDATES, unknown, update(fakeTask, ModelState.newBuilder().setTensors(List.of()).build(), 5));
            DeadLetter orphan = deadLetters.await(1, d -> unknown.equals(d.getJobId()), WAIT).get(0);
            assertTrue(orphan.getReason().contains("unknown job"), orphan.getReason());

            String badJob = "bad-" + UUID.randomUUID();
            tap.send(Topics.JOBS, badJob, submission(badJob, tinyJob(Map.of("algorithm", "no-such-algorithm"))));
            DeadLetter rejected = deadLetters.await(1, d -> badJob.equals(d.getJobId()), WAIT).get(0);
            assertTrue(rejected.getReason().contains("unknown algorithm"), rejected.getReason());

            // still alive: a valid job after all that gets its tasks
            String good = "after-" + UUID.randomUUID();
            tap.send(Topics.JOBS, good, submission(good, tinyJob(Map.of())));
            assertEquals(3, tasks.await(3, t -> t.getJobId().equals(good), WAIT).size());
        }
    }

    @Test
    void nanAndMisshapenUpdatesAreRejectedWhileValidOnesCount() {
        String jobId = "nan-" + UUID.randomUUID();
        try (var tasks = tap.follow(Topics.CLIENT_TASKS, ClientTask.class);
             var globals = tap.follow(Topics.GLOBAL_MODELS, GlobalModel.class);
             var deadLetters = tap.follow(Topics.DEAD_LETTERS, DeadLetter.class)) {
            tap.send(Topics.JOBS, jobId, submission(jobId, tinyJob(Map.of("rounds", 1))));
            List<ClientTask> roundTasks = tasks.await(3, t -> t.getJobId().equals(jobId), WAIT);

            tap.send(Topics.CLIENT_UPDATES, jobId, constantUpdate(roundTasks.get(0), Float.NaN, 10));
            ModelState misshapen = TensorCodec.toAvro(new ModelParameters(List.of(
                    new NamedTensor("conv1.weight", new int[]{1}, new float[]{1f}))), DType.FP32);
            tap.send(Topics.CLIENT_UPDATES, jobId, update(roundTasks.get(1), misshapen, 10));
            List<DeadLetter> letters = deadLetters.await(2, d -> jobId.equals(d.getJobId()), WAIT);
            assertTrue(letters.stream().anyMatch(d -> d.getReason().contains("NaN")), letters.toString());
            assertTrue(letters.stream().anyMatch(d -> d.getReason().contains("does not fit")), letters.toString());

            for (ClientTask task : roundTasks) {
                tap.send(Topics.CLIENT_UPDATES, jobId, constantUpdate(task, 2f, 4));
            }
            // a duplicate of a valid update is ignored, not double-counted
            tap.send(Topics.CLIENT_UPDATES, jobId, constantUpdate(roundTasks.get(2), 100f, 4));
            GlobalModel global = globals.await(1, g -> g.getJobId().equals(jobId), WAIT).get(0);
            assertEquals(3, global.getMetrics().getClientsReported());
            assertEquals(2f, TensorCodec.fromAvro(global.getModelState()).tensors().get(0).values()[0], 1e-6);
        }
    }

    @Test
    void deadlineClosesTheRoundWithAQuorumOrFailsTheJobWithout() {
        String withQuorum = "quorum-" + UUID.randomUUID();
        String without = "noquorum-" + UUID.randomUUID();
        try (var tasks = tap.follow(Topics.CLIENT_TASKS, ClientTask.class);
             var globals = tap.follow(Topics.GLOBAL_MODELS, GlobalModel.class);
             var completions = tap.follow(Topics.SEARCH_COMPLETIONS, SearchCompleted.class)) {
            tap.send(Topics.JOBS, withQuorum, submission(withQuorum,
                    tinyJob(Map.of("rounds", 1, "quorum", 2, "roundDeadlineMs", 3000))));
            tap.send(Topics.JOBS, without, submission(without,
                    tinyJob(Map.of("rounds", 1, "quorum", 3, "roundDeadlineMs", 3000, "maxRoundAttempts", 1))));
            for (ClientTask task : tasks.await(6, t -> t.getJobId().equals(withQuorum) || t.getJobId().equals(without), WAIT)) {
                if (task.getClientId() < 2) {
                    tap.send(Topics.CLIENT_UPDATES, task.getJobId(), constantUpdate(task, 1f, 1));
                }
            }
            GlobalModel closed = globals.await(1, g -> g.getJobId().equals(withQuorum), WAIT).get(0);
            assertEquals(2, closed.getMetrics().getClientsReported());
            assertEquals(3, closed.getMetrics().getClientsSelected());

            SearchCompleted failed = completions.await(1, c -> c.getJobId().equals(without), WAIT).get(0);
            assertEquals(SearchStatus.FAILED, failed.getStatus());
            assertTrue(failed.getReason().contains("only 2 of 3"), failed.getReason());
        }
    }

    @Test
    void aRoundWithoutItsQuorumIsRetriedWithReplacementClientsThenTheJobFails() {
        String retried = "retry-" + UUID.randomUUID();
        String abandoned = "abandoned-" + UUID.randomUUID();
        try (var tasks = tap.follow(Topics.CLIENT_TASKS, ClientTask.class);
             var globals = tap.follow(Topics.GLOBAL_MODELS, GlobalModel.class);
             var completions = tap.follow(Topics.SEARCH_COMPLETIONS, SearchCompleted.class)) {
            Map<String, Object> settings = Map.of("rounds", 1, "totalClients", 6, "clientsPerRound", 3,
                    "roundDeadlineMs", 2500, "maxRoundAttempts", 2);
            tap.send(Topics.JOBS, retried, submission(retried, tinyJob(settings)));
            tap.send(Topics.JOBS, abandoned, submission(abandoned, tinyJob(settings)));
            List<ClientTask> first = tasks.await(3, t -> t.getJobId().equals(retried), WAIT);
            List<ClientTask> firstAbandoned = tasks.await(3, t -> t.getJobId().equals(abandoned), WAIT);
            // Two of three report in both jobs; the third client is gone.
            for (ClientTask task : List.of(first.get(0), first.get(1), firstAbandoned.get(0), firstAbandoned.get(1))) {
                tap.send(Topics.CLIENT_UPDATES, task.getJobId(), constantUpdate(task, 1f, 1));
            }
            Set<Integer> firstAsked = first.stream().map(ClientTask::getClientId).collect(Collectors.toSet());

            ClientTask replacement = tasks.await(1, t -> t.getJobId().equals(retried) && t.getAttempt() == 1, WAIT).get(0);
            assertFalse(firstAsked.contains(replacement.getClientId()), "a client not asked before replaces the missing one");
            assertEquals(1, replacement.getRound());
            assertTrue(replacement.getDeadline().isAfter(first.get(0).getDeadline()), "the retry has a new deadline");
            tap.send(Topics.CLIENT_UPDATES, retried, constantUpdate(replacement, 1f, 1));

            GlobalModel closed = globals.await(1, g -> g.getJobId().equals(retried), WAIT).get(0);
            assertEquals(3, closed.getMetrics().getClientsReported());
            Set<Integer> expected = Set.of(first.get(0).getClientId(), first.get(1).getClientId(),
                    replacement.getClientId());
            assertEquals(expected, Set.copyOf(closed.getParticipants()));
            assertEquals(SearchStatus.SUCCEEDED,
                    completions.await(1, c -> c.getJobId().equals(retried), WAIT).get(0).getStatus());

            // Nobody answers the other job's retry either: after maxRoundAttempts it fails, saying why.
            SearchCompleted failed = completions.await(1, c -> c.getJobId().equals(abandoned), WAIT).get(0);
            assertEquals(SearchStatus.FAILED, failed.getStatus());
            assertTrue(failed.getReason().contains("only 2 of 3") && failed.getReason().contains("after 2 attempt(s)"),
                    failed.getReason());
        }
    }

    @Test
    void updatesForClosedRoundsAndRedeliveredCopiesChangeNothing() {
        String jobId = "idempotent-" + UUID.randomUUID();
        try (var tasks = tap.follow(Topics.CLIENT_TASKS, ClientTask.class);
             var allTasks = tap.follow(Topics.CLIENT_TASKS, ClientTask.class);
             var globals = tap.follow(Topics.GLOBAL_MODELS, GlobalModel.class);
             var deadLetters = tap.follow(Topics.DEAD_LETTERS, DeadLetter.class)) {
            tap.send(Topics.JOBS, jobId, submission(jobId, tinyJob(Map.of("rounds", 2))));
            // a redelivered submission does not start the job twice
            tap.send(Topics.JOBS, jobId, submission(jobId, tinyJob(Map.of("rounds", 2))));
            List<ClientTask> round1 = tasks.await(3, t -> t.getJobId().equals(jobId) && t.getRound() == 1, WAIT);
            for (ClientTask task : round1) {
                ClientUpdate update = constantUpdate(task, 3f, 2);
                tap.send(Topics.CLIENT_UPDATES, jobId, update);
                tap.send(Topics.CLIENT_UPDATES, jobId, update); // the same event twice
            }
            GlobalModel first = globals.await(1, g -> g.getJobId().equals(jobId) && g.getRound() == 1, WAIT).get(0);
            assertEquals(3, first.getMetrics().getClientsReported());
            assertEquals(6, first.getMetrics().getSampleCount());
            // the second copy of each update was recognised by its event id before it reached the round
            given().get("/q/metrics").then().statusCode(200)
                    .body(org.hamcrest.Matchers.containsString("fedarch_events_redelivered_total{topic=\"fedarch.client-updates\"}"));

            List<ClientTask> round2 = tasks.await(3, t -> t.getJobId().equals(jobId) && t.getRound() == 2, WAIT);
            // a straggler for round 1 arrives during round 2: ignored, neither counted nor dead-lettered
            tap.send(Topics.CLIENT_UPDATES, jobId, constantUpdate(round1.get(0), 100f, 50));
            for (ClientTask task : round2) {
                tap.send(Topics.CLIENT_UPDATES, jobId, constantUpdate(task, 5f, 1));
            }
            GlobalModel second = globals.await(1, g -> g.getJobId().equals(jobId) && g.getRound() == 2, WAIT).get(0);
            assertEquals(3, second.getMetrics().getClientsReported());
            assertEquals(5f, TensorCodec.fromAvro(second.getModelState()).tensors().get(0).values()[0], 1e-6);
            assertEquals(3, allTasks.during(Duration.ofSeconds(1), t -> t.getJobId().equals(jobId) && t.getRound() == 1)
                    .size(), "the redelivered submission published no second set of tasks");
            // an update for a round the job never has is refused
            ClientUpdate future = constantUpdate(round2.get(0), 1f, 1);
            future.setRound(7);
            tap.send(Topics.CLIENT_UPDATES, jobId, future);
            DeadLetter refused = deadLetters.await(1, d -> jobId.equals(d.getJobId()), WAIT).get(0);
            assertTrue(refused.getReason().contains("round 7"), refused.getReason());
        }
    }

    @Test
    void externallyPacedJobsWaitForRoundStartEvents() {
        String jobId = "paced-" + UUID.randomUUID();
        try (var tasks = tap.follow(Topics.CLIENT_TASKS, ClientTask.class);
             var deadLetters = tap.follow(Topics.DEAD_LETTERS, DeadLetter.class)) {
            tap.send(Topics.JOBS, jobId, submission(jobId, tinyJob(Map.of("rounds", 1, "pacing", "EXTERNAL"))));
            assertTrue(tasks.during(Duration.ofSeconds(3), t -> t.getJobId().equals(jobId)).isEmpty(),
                    "no round before a round-start event");

            tap.send(Topics.ROUND_STARTS, jobId, RoundStartRequested.newBuilder().setEventId("wrong")
                    .setJobId(jobId).setTimestamp(Instant.now()).setRound(5).build());
            assertTrue(deadLetters.await(1, d -> jobId.equals(d.getJobId()), WAIT).get(0).getReason()
                    .contains("round 5 requested"));

            tap.send(Topics.ROUND_STARTS, jobId, RoundStartRequested.newBuilder().setEventId("go")
                    .setJobId(jobId).setTimestamp(Instant.now()).setRound(1).setRequestedBy("test").build());
            assertEquals(3, tasks.await(3, t -> t.getJobId().equals(jobId), WAIT).size());
        }
    }

    @Test
    void restSubmissionPublishesTheJobEvent() {
        try (var jobs = tap.follow(Topics.JOBS, JobSubmitted.class)) {
            String jobId = api().contentType("application/json")
                    .body(Map.of("rounds", 1, "totalClients", 2, "clientsPerRound", 2, "pacing", "EXTERNAL",
                            "model", Map.of("options", Map.of("conv1", 2, "conv2", 2, "hidden", 4))))
                    .post("/jobs").then().statusCode(202).body("jobId", startsWith("job-"))
                    .extract().path("jobId");
            JobSubmitted published = jobs.await(1, j -> j.getJobId().equals(jobId), WAIT).get(0);
            assertEquals(2, published.getSpec().getTotalClients());
        }
        api().contentType("application/json").body(Map.of("data", Map.of("partition", Map.of("alpha", 1))))
                .post("/jobs").then().statusCode(400).body("error", org.hamcrest.Matchers.containsString("alpha"));
    }

    @Test
    void compressionIsAJobSettingOverRestAndAStrategyThatCannotTakeItIsRefusedWithTheReason() {
        try (var jobs = tap.follow(Topics.JOBS, JobSubmitted.class);
             var deadLetters = tap.follow(Topics.DEAD_LETTERS, DeadLetter.class)) {
            String jobId = api().contentType("application/json")
                    .body(Map.of("rounds", 1, "totalClients", 2, "clientsPerRound", 2, "pacing", "EXTERNAL",
                            "model", Map.of("options", Map.of("conv1", 2, "conv2", 2, "hidden", 4)),
                            "compression", Map.of("uplink", "TOPK", "downlink", "INT8", "topKFraction", 0.05)))
                    .post("/jobs").then().statusCode(202).extract().path("jobId");
            UpdateCompression compression = jobs.await(1, j -> j.getJobId().equals(jobId), WAIT).get(0).getSpec()
                    .getCompression();
            assertEquals(UpdateCodec.TOPK, compression.getUplink());
            assertEquals(UpdateCodec.INT8, compression.getDownlink());
            assertEquals(0.05, compression.getTopKFraction());

            Map<String, Object> metaDnas = Map.of("algorithm", "metadnas", "totalClients", 2, "clientsPerRound", 2,
                    "model", Map.of("family", "darts", "options", Map.of("channels", 4, "layers", 3, "stemStride", 2)),
                    "compression", Map.of("uplink", "INT8"));
            api().contentType("application/json").body(metaDnas).post("/jobs").then().statusCode(400)
                    .body("error", org.hamcrest.Matchers.containsString("metadnas does not take compressed updates"));
            // The same job as an event: a dead letter with the reason, nothing started.
            tap.send(Topics.JOBS, "job-compressed-metadnas", submission("job-compressed-metadnas",
                    JobSpecReader.fromMap(metaDnas)));
            String reason = deadLetters.await(1, d -> "job-compressed-metadnas".equals(d.getJobId())
                    || "job-compressed-metadnas".equals(d.getKey()), WAIT).get(0)
                    .getReason();
            assertTrue(reason.contains("metadnas does not take compressed updates"), reason);
        }
    }

    @Test
    void carriesModelsLargerThan32MiBThroughEveryModelTopic() {
        // conv 16/32 then a 6000-wide hidden layer: 9.49M parameters, about 38 MB per fp32 model state.
        JobSpec big = tinyJob(Map.of("totalClients", 1, "clientsPerRound", 1, "rounds", 1,
                "model", Map.of("family", "cnn", "options", Map.of("conv1", 16, "conv2", 32, "hidden", 6000))));
        String jobId = "big-" + UUID.randomUUID();
        try (var tasks = tap.follow(Topics.CLIENT_TASKS, ClientTask.class);
             var globals = tap.follow(Topics.GLOBAL_MODELS, GlobalModel.class);
             var completions = tap.follow(Topics.SEARCH_COMPLETIONS, SearchCompleted.class)) {
            tap.send(Topics.JOBS, jobId, submission(jobId, big));
            ClientTask task = tasks.await(1, t -> t.getJobId().equals(jobId), WAIT).get(0);
            long taskBytes = io.fedarch.events.wire.EventCodec.encode(task).length;
            assertTrue(taskBytes > 32L << 20, "task carries " + taskBytes + " bytes");

            tap.send(Topics.CLIENT_UPDATES, jobId, constantUpdate(task, 0.5f, 7));
            GlobalModel global = globals.await(1, g -> g.getJobId().equals(jobId), WAIT).get(0);
            assertTrue(io.fedarch.events.wire.EventCodec.encode(global).length > 32L << 20);
            assertEquals(0.5f, TensorCodec.fromAvro(global.getModelState()).get("fc1.weight").values()[12345]);
            SearchCompleted done = completions.await(1, c -> c.getJobId().equals(jobId), WAIT).get(0);
            assertEquals(SearchStatus.SUCCEEDED, done.getStatus());
        }
    }

    @Test
    void aModelTooLargeForTheMessageLimitIsRefusedWithTheReason() {
        // hidden 11000: 17.3M parameters, 69 MB in fp32, above the 64 MiB limit: measured from its shapes and
        // refused before anything is built (JobLimits); no job starts, so no completion is published.
        JobSpec huge = tinyJob(Map.of("totalClients", 1, "clientsPerRound", 1, "rounds", 1,
                "model", Map.of("family", "cnn", "options", Map.of("conv1", 16, "conv2", 32, "hidden", 11000))));
        String jobId = "huge-" + UUID.randomUUID();
        try (var deadLetters = tap.follow(Topics.DEAD_LETTERS, DeadLetter.class)) {
            tap.send(Topics.JOBS, jobId, submission(jobId, huge));
            DeadLetter refused = deadLetters.await(1, d -> jobId.equals(d.getJobId()), WAIT).get(0);
            assertTrue(refused.getReason().contains("message limit"), refused.getReason());
        }
    }

    @Test
    void exposesHealthAndMetrics() {
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200)
                .body(org.hamcrest.Matchers.containsString("fedarch_jobs_active"));
    }
}
