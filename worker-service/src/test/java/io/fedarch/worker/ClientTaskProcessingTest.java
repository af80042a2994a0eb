package io.fedarch.worker;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.fedarch.broker.KafkaBrokerTestResource;
import io.fedarch.core.data.ShardProvider;
import io.fedarch.core.algorithms.fedavg.FedAvg;
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
 * The worker on a real broker and real Fashion-MNIST: the test plays the coordinator, sends
 * client tasks and checks the updates that come back (and the dead letters for bad tasks).
 */
@QuarkusTest
@WithTestResource(KafkaBrokerTestResource.class)
class ClientTaskProcessingTest {
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

    static JobSpec tinyJob(Map<String, Object> overrides) {
        Map<String, Object> job = new HashMap<>(Map.of(
                "totalClients", 3, "clientsPerRound", 3, "rounds", 1, "localEpochs", 2, "batchSize", 32,
                "learningRate", 0.02,
                "model", Map.of("family", "cnn", "options", Map.of("conv1", 8, "conv2", 16, "hidden", 32)),
                "data", Map.of("trainLimit", 3000, "partition", Map.of("scheme", "IID"))));
        job.putAll(overrides);
        return JobSpecReader.fromMap(job);
    }

    static ClientTask task(String jobId, JobSpec spec, int client, ModelState global) {
        return ClientTask.newBuilder().setEventId(UUID.randomUUID().toString()).setJobId(jobId)
                .setTimestamp(Instant.now()).setRound(1).setClientId(client).setModelVersion(0)
                .setDeadline(Instant.now().plusSeconds(600)).setSpec(spec).setGlobalModel(global).build();
    }

    @Test
    void trainsTheClientsShardAndPublishesAnUpdate() {
        JobSpec spec = tinyJob(Map.of());
        ModelParameters initial = new FedAvg().initialize(spec);
        String jobId = "train-" + UUID.randomUUID();
        try (var updates = tap.follow(Topics.CLIENT_UPDATES, ClientUpdate.class)) {
            tap.send(Topics.CLIENT_TASKS, jobId, task(jobId, spec, 1, TensorCodec.toAvro(initial, DType.FP32)));
            ClientUpdate update = updates.await(1, u -> u.getJobId().equals(jobId), WAIT).get(0);

            int expectedTrain = new ShardProvider(ShardProvider.withDefaults().dataDir(spec), null)
                    .shard(spec, 1).train().size();
            assertEquals(expectedTrain, update.getSampleCount(), "sample count is the client's training split");
            assertEquals(1, update.getClientId());
            assertFalse(update.getWorkerId().isBlank());
            ClientMetrics m = update.getMetrics();
            assertTrue(m.getValidationAccuracy() > 0.4,
                    "two epochs on 900 real images beat chance (0.1) by far: " + m.getValidationAccuracy());
            assertTrue(m.getValidationAccuracy() > m.getGlobalValidationAccuracy(),
                    "training improved on the untrained global model");
            assertTrue(m.getComputeMs() > 0);
            assertEquals(TensorCodec.encodedBytes(update.getModelState()), m.getUpdateBytes());
            assertTrue(m.getSteps() > 0);

            ModelParameters trained = TensorCodec.fromAvro(update.getModelState());
            initial.requireCompatible(trained);
            assertNull(trained.firstNonFinite());
            assertNotEquals(initial.get("fc2.weight").values()[0], trained.get("fc2.weight").values()[0]);
        }
    }

    @Test
    void personalizationTasksReportTheClientsLocalTestAccuracy() {
        JobSpec spec = tinyJob(Map.of("personalizationEpochs", 1, "totalClients", 5, "clientsPerRound", 5,
                "data", Map.of("trainLimit", 3000, "testLimit", 2000,
                        "partition", Map.of("scheme", "LABEL_SKEW", "classesPerClient", 2))));
        String jobId = "personal-" + UUID.randomUUID();
        ClientTask task = task(jobId, spec, 3, TensorCodec.toAvro(new FedAvg().initialize(spec), DType.FP32));
        task.setRound(2);
        task.setRoundConfig(Map.of("stage", "personalize"));
        try (var updates = tap.follow(Topics.CLIENT_UPDATES, ClientUpdate.class)) {
            tap.send(Topics.CLIENT_TASKS, jobId, task);
            ClientUpdate update = updates.await(1, u -> u.getJobId().equals(jobId), WAIT).get(0);
            Map<String, Double> custom = update.getMetrics().getCustom();
            int localTest = ShardProvider.withDefaults().localTestSet(spec, 3).size();
            assertEquals(localTest, custom.get("localTestSamples").intValue());
            assertTrue(localTest > 0 && localTest < 2000, "a share of the 2,000 test images: " + localTest);
            // One epoch on the client's two classes beats the untrained model on those classes by far.
            assertTrue(custom.get("localTestAccuracy") > custom.get("globalLocalTestAccuracy") + 0.3, custom.toString());
            assertEquals(2, update.getRound());
        }
    }

    @Test
    void fp16TasksComeBackAsFp16Updates() {
        JobSpec spec = tinyJob(Map.of("tensorDType", "FP16", "localEpochs", 1));
        String jobId = "half-" + UUID.randomUUID();
        try (var updates = tap.follow(Topics.CLIENT_UPDATES, ClientUpdate.class)) {
            tap.send(Topics.CLIENT_TASKS, jobId,
                    task(jobId, spec, 0, TensorCodec.toAvro(new FedAvg().initialize(spec), DType.FP16)));
            ClientUpdate update = updates.await(1, u -> u.getJobId().equals(jobId), WAIT).get(0);
            assertTrue(update.getModelState().getTensors().stream().allMatch(t -> t.getDtype() == DType.FP16));
        }
    }

    /**
     * Review M8: a job may not train on a dataset outside the worker's allowed roots (here another
     * tenant's copy of IDX files in a temporary directory), nor climb out of a root with '..'.
     */
    /**
     * The dead letters of these jobs; when they do not come, the failure says what the worker counted
     * (dead letters sent and unsent, tasks completed), which tells a refusal that was never made
     * from one whose dead letter was lost on the way.
     */
    private static List<DeadLetter> awaitDeadLetters(TopicTap.Reader<DeadLetter> deadLetters, String... jobIds) {
        java.util.Set<String> jobs = java.util.Set.of(jobIds);
        try {
            return deadLetters.await(jobIds.length, d -> jobs.contains(d.getJobId()), WAIT);
        } catch (AssertionError e) {
            String counters = given().get("/q/metrics").asString().lines()
                    .filter(l -> l.startsWith("fedarch_dead_letters") || l.startsWith("fedarch_tasks"))
                    .collect(java.util.stream.Collectors.joining("\n"));
            throw new AssertionError(e.getMessage() + " for jobs " + jobs + "; the worker's counters:\n" + counters, e);
        }
    }

    @Test
    void aTaskWhoseDataDirIsOutsideTheAllowedRootsBecomesADeadLetterAndTrainsNothing() throws Exception {
        java.nio.file.Path otherTenant = java.nio.file.Files.createTempDirectory("other-tenant");
        java.nio.file.Path shared = ShardProvider.withDefaults().dataDir(tinyJob(Map.of()));
        try (var files = java.nio.file.Files.list(shared)) {
            for (java.nio.file.Path f : files.toList()) {
                java.nio.file.Files.createSymbolicLink(otherTenant.resolve(f.getFileName()), f);
            }
        }
        String outside = "outside-" + UUID.randomUUID();
        String climbing = "climbing-" + UUID.randomUUID();
        String good = "good-" + UUID.randomUUID();
        JobSpec spec = tinyJob(Map.of("localEpochs", 1));
        ModelState initial = TensorCodec.toAvro(new FedAvg().initialize(spec), DType.FP32);
        JobSpec elsewhere = tinyJob(Map.of("localEpochs", 1, "data", Map.of("trainLimit", 3000,
                "dataDir", otherTenant.toString(), "partition", Map.of("scheme", "IID"))));
        JobSpec escape = tinyJob(Map.of("localEpochs", 1, "data", Map.of("trainLimit", 3000,
                "dataDir", shared + "/../../../.." + otherTenant, "partition", Map.of("scheme", "IID"))));
        try (var deadLetters = tap.follow(Topics.DEAD_LETTERS, DeadLetter.class);
             var updates = tap.follow(Topics.CLIENT_UPDATES, ClientUpdate.class)) {
            tap.send(Topics.CLIENT_TASKS, outside, task(outside, elsewhere, 0, initial));
            // Already past its deadline when it arrives: refused all the same, never skipped in silence.
            ClientTask late = task(climbing, escape, 1, initial);
            late.setDeadline(Instant.now().minusSeconds(1));
            tap.send(Topics.CLIENT_TASKS, climbing, late);
            tap.send(Topics.CLIENT_TASKS, good, task(good, spec, 2, initial));

            // One await for both: a reader's await consumes every event of the poll it reads, so a second
            // await would miss a dead letter that came in the same batch as the first (the CI failure on 3a96edb).
            List<DeadLetter> both = awaitDeadLetters(deadLetters, outside, climbing);
            DeadLetter refused = both.stream().filter(d -> outside.equals(d.getJobId())).findFirst().orElseThrow();
            assertTrue(refused.getReason().contains("data.dataDir '" + otherTenant + "' is not under a dataset root "
                    + "this service allows"), refused.getReason());
            DeadLetter climbed = both.stream().filter(d -> climbing.equals(d.getJobId())).findFirst().orElseThrow();
            assertTrue(climbed.getReason().contains("contains '..'"), climbed.getReason());
            List<ClientUpdate> trained = updates.await(1,
                    u -> java.util.Set.of(outside, climbing, good).contains(u.getJobId()), WAIT);
            assertEquals(good, trained.get(0).getJobId(), "the worker goes on; nothing was trained on the other data");
            assertEquals(List.of(), updates.during(Duration.ofSeconds(2),
                    u -> u.getJobId().equals(outside) || u.getJobId().equals(climbing)));
        } finally {
            try (var links = java.nio.file.Files.list(otherTenant)) {
                for (java.nio.file.Path link : links.toList()) {
                    java.nio.file.Files.delete(link);
                }
            }
            java.nio.file.Files.delete(otherTenant);
        }
    }

    @Test
    void badTasksBecomeDeadLettersAndGoodOnesStillRun() {
        JobSpec spec = tinyJob(Map.of("localEpochs", 1));
        String unknownAlgorithm = "algo-" + UUID.randomUUID();
        String wrongShapes = "shape-" + UUID.randomUUID();
        String good = "good-" + UUID.randomUUID();
        ModelState tooSmall = TensorCodec.toAvro(new ModelParameters(List.of(
                new NamedTensor("conv1.weight", new int[]{1}, new float[]{0f}))), DType.FP32);
        try (var deadLetters = tap.follow(Topics.DEAD_LETTERS, DeadLetter.class);
             var updates = tap.follow(Topics.CLIENT_UPDATES, ClientUpdate.class)) {
            JobSpec unknown = tinyJob(Map.of("localEpochs", 1, "algorithm", "no-such-algorithm"));
            tap.send(Topics.CLIENT_TASKS, unknownAlgorithm, task(unknownAlgorithm, unknown, 0,
                    TensorCodec.toAvro(new FedAvg().initialize(spec), DType.FP32)));
            tap.send(Topics.CLIENT_TASKS, wrongShapes, task(wrongShapes, spec, 0, tooSmall));
            tap.sendRaw(Topics.CLIENT_TASKS, "noise", new byte[]{1, 2, 3, 4});
            tap.send(Topics.CLIENT_TASKS, good, task(good, spec, 2,
                    TensorCodec.toAvro(new FedAvg().initialize(spec), DType.FP32)));

            List<DeadLetter> letters = deadLetters.await(3, d -> true, WAIT);
            assertTrue(letters.stream().anyMatch(d -> unknownAlgorithm.equals(d.getJobId())
                    && d.getReason().contains("unknown algorithm")), letters.toString());
            assertTrue(letters.stream().anyMatch(d -> wrongShapes.equals(d.getJobId())), letters.toString());
            assertTrue(letters.stream().anyMatch(d -> "noise".equals(d.getKey())
                    && d.getReason().contains("ClientTask")), letters.toString());
            assertEquals(1, updates.await(1, u -> u.getJobId().equals(good), WAIT).size());
        }
        given().get("/q/metrics").then().statusCode(200)
                .body(org.hamcrest.Matchers.containsString("fedarch_tasks_completed_total"));
        given().get("/q/health/ready").then().statusCode(200);
    }
}
