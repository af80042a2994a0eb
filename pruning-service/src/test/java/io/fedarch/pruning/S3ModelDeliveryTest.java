package io.fedarch.pruning;

import static io.fedarch.pruning.ModelExportTest.completion;
import static io.fedarch.pruning.ModelExportTest.tinyJob;
import static org.junit.jupiter.api.Assertions.*;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.fedarch.broker.KafkaBrokerTestResource;
import io.fedarch.core.algorithms.fedavg.FedAvg;
import io.fedarch.core.data.ShardProvider;
import io.fedarch.core.export.SafetensorsReader;
import io.fedarch.core.federation.InProcessFederation;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.events.*;
import io.fedarch.events.spec.DerivedJobs;
import io.fedarch.events.wire.TopicTap;
import io.fedarch.events.wire.Topics;
import io.fedarch.objectstore.ObjectStoreTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Model delivery without a shared disk: the service on a real broker and a real S3-compatible
 * server (s3proxy). A consumer with nothing but the ModelReady event and an S3 client must be able
 * to fetch every file and verify it; files once announced never change; and FedNAS's fine-tuning,
 * which completes long after the search, is delivered even when the service lost its local disk in between.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerTestResource.class)
@WithTestResource(ObjectStoreTestResource.class)
class S3ModelDeliveryTest {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static TopicTap tap;
    /** A consumer's own client: the plain SDK, configured from what the operator would hand out. */
    private static S3Client consumer;

    @BeforeAll
    static void connect() {
        Config config = ConfigProvider.getConfig();
        tap = new TopicTap(config.getValue("kafka.bootstrap.servers", String.class));
        consumer = S3Client.builder()
                .endpointOverride(URI.create(config.getValue("fedarch.export.s3.endpoint", String.class)))
                .region(Region.of(config.getValue("fedarch.export.s3.region", String.class)))
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        config.getValue("fedarch.export.s3.access-key-id", String.class),
                        config.getValue("fedarch.export.s3.secret-access-key", String.class))))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    @AfterAll
    static void disconnect() {
        tap.close();
        consumer.close();
    }

    private static Path scratch() {
        return Path.of(ConfigProvider.getConfig().getValue("fedarch.export.dir", String.class)).toAbsolutePath();
    }

    private static byte[] fetch(String uri) {
        String prefix = "s3://" + ObjectStoreTestResource.BUCKET + "/";
        assertTrue(uri.startsWith(prefix), uri);
        return consumer.getObjectAsBytes(b -> b.bucket(ObjectStoreTestResource.BUCKET)
                .key(uri.substring(prefix.length()))).asByteArray();
    }

    /** Every file downloaded and checked against the size and SHA-256 the event announced; by file name. */
    private static Map<String, byte[]> fetchVerified(ModelReady model) throws Exception {
        Map<String, byte[]> files = new java.util.LinkedHashMap<>();
        for (Artifact file : model.getFiles()) {
            assertTrue(file.getPath().startsWith(model.getArtifactUri()), file.getPath() + " in " + model.getArtifactUri());
            byte[] bytes = fetch(file.getPath());
            assertEquals(file.getSizeBytes(), bytes.length, file.getPath());
            assertEquals(file.getSha256(), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)),
                    file.getPath());
            files.put(file.getPath().substring(model.getArtifactUri().length()), bytes);
        }
        return files;
    }

    private static ModelParameters weights(byte[] safetensors) throws Exception {
        Path file = Files.createTempFile("downloaded", ".safetensors");
        try {
            return SafetensorsReader.read(Files.write(file, safetensors)).parameters();
        } finally {
            Files.delete(file);
        }
    }

    @Test
    void aTrainedModelIsFetchedAndVerifiedFromTheObjectStoreAndARedeliveryNeverTouchesIt() throws Exception {
        JobSpec spec = tinyJob();
        ModelParameters trained = new InProcessFederation(new FedAvg(), ShardProvider.withDefaults())
                .run(spec, null, 0, report -> { }).model();
        String jobId = "s3-" + UUID.randomUUID();
        try (var ready = tap.follow(Topics.MODELS_READY, ModelReady.class)) {
            tap.send(Topics.SEARCH_COMPLETIONS, jobId,
                    completion(jobId, spec, SearchStatus.SUCCEEDED, TensorCodec.toAvro(trained, DType.FP32)));
            ModelReady model = ready.await(1, m -> m.getJobId().equals(jobId), WAIT).get(0);

            assertEquals("s3://" + ObjectStoreTestResource.BUCKET + "/" + ObjectStoreTestResource.PREFIX + "/" + jobId
                    + "/global/" + model.getEventId() + "/", model.getArtifactUri());
            Map<String, byte[]> files = fetchVerified(model);
            assertEquals(List.of("model.safetensors", "model.onnx", "model.json"), List.copyOf(files.keySet()));
            ModelParameters exported = weights(files.get("model.safetensors"));
            for (NamedTensor t : trained.tensors()) {
                assertArrayEquals(t.values(), exported.get(t.name()).values(), t.name());
            }
            Map<?, ?> description = new ObjectMapper().readValue(files.get("model.json"), Map.class);
            assertEquals(model.getTestAccuracy(), ((Number) description.get("testAccuracy")).doubleValue(), 1e-12);
            assertTrue(model.getTestAccuracy() > 0.5, "trained model on the real test set: " + model.getTestAccuracy());
            assertFalse(Files.exists(scratch().resolve("staging").resolve(jobId).resolve("global")
                    .resolve(model.getEventId())), "the scratch copy is gone once announced");

            // The same completion again (a new event, as a replay would bring): a delivery of its own, the first unchanged.
            tap.send(Topics.SEARCH_COMPLETIONS, jobId,
                    completion(jobId, spec, SearchStatus.SUCCEEDED, TensorCodec.toAvro(trained, DType.FP32)));
            ModelReady again = ready.await(1, m -> m.getJobId().equals(jobId)
                    && !m.getEventId().equals(model.getEventId()), WAIT).get(0);
            assertNotEquals(model.getArtifactUri(), again.getArtifactUri());
            fetchVerified(again);
            assertArrayEquals(files.get("model.safetensors"), fetchVerified(model).get("model.safetensors"));
        }
    }

    /**
     * Issue 20's two ways for a consumer that has only the .avsc files: the ModelReady's s3:// URIs, and
     * the artifacts topic through examples/clients/fetch_model.py (Python, the broker address, nothing
     * else); both give the announced bytes.
     */
    @Test
    void aDeliveredModelIsFetchedBothFromTheObjectStoreAndFromTheArtifactsTopic() throws Exception {
        String python = pythonWithAvroAndKafka();
        JobSpec spec = tinyJob();
        ModelParameters trained = new InProcessFederation(new FedAvg(), ShardProvider.withDefaults())
                .run(spec, null, 0, report -> { }).model();
        String jobId = "two-ways-" + UUID.randomUUID();
        try (var ready = tap.follow(Topics.MODELS_READY, ModelReady.class)) {
            tap.send(Topics.SEARCH_COMPLETIONS, jobId,
                    completion(jobId, spec, SearchStatus.SUCCEEDED, TensorCodec.toAvro(trained, DType.FP32)));
            ModelReady model = ready.await(1, m -> m.getJobId().equals(jobId), WAIT).get(0);
            Map<String, byte[]> fromStore = fetchVerified(model);

            Path out = Files.createTempDirectory("fetched");
            Process fetch = new ProcessBuilder(python, "../examples/clients/fetch_model.py",
                    ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class), jobId, out.toString(),
                    "--timeout", "120").redirectErrorStream(true).start();
            String log = new String(fetch.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertTrue(fetch.waitFor(180, java.util.concurrent.TimeUnit.SECONDS), log);
            assertEquals(0, fetch.exitValue(), log);
            for (Map.Entry<String, byte[]> file : fromStore.entrySet()) {
                try (var found = Files.walk(out)) {
                    Path reassembled = found.filter(p -> p.getFileName().toString().equals(file.getKey())).findFirst()
                            .orElseThrow(() -> new AssertionError(file.getKey() + " not fetched from the topic:\n" + log));
                    assertArrayEquals(file.getValue(), Files.readAllBytes(reassembled), file.getKey());
                }
            }
        }
    }

    /** Debian's python3 with python3-avro and python3-confluent-kafka (./fedarch test installs them). */
    private static String pythonWithAvroAndKafka() throws Exception {
        for (String candidate : List.of("/usr/bin/python3", "python3")) {
            try {
                Process probe = new ProcessBuilder(candidate, "-c", "import avro.schema, confluent_kafka")
                        .redirectErrorStream(true).start();
                if (probe.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) && probe.exitValue() == 0) {
                    return candidate;
                }
            } catch (java.io.IOException notThere) {
                // try the next
            }
        }
        throw new AssertionError("no python3 with avro and confluent_kafka: apt-get install -y python3-avro "
                + "python3-confluent-kafka (./fedarch test does)");
    }

    @Test
    void aFineTuningThatCompletesAfterTheServiceLostItsDiskIsStillDeliveredAndOnlyOnce() throws Exception {
        String search = "s3-search-" + UUID.randomUUID();
        JobSpec spec = ArchitectureExportTest.search(2);
        try (var jobs = tap.follow(Topics.JOBS, JobSubmitted.class);
             var ready = tap.follow(Topics.MODELS_READY, ModelReady.class);
             var deadLetters = tap.follow(Topics.DEAD_LETTERS, DeadLetter.class)) {
            tap.send(Topics.SEARCH_COMPLETIONS, search, ArchitectureExportTest.completed(search, spec,
                    SearchStatus.SUCCEEDED, ArchitectureExportTest.supernet(spec, 0)));
            JobSubmitted fineTune = jobs.await(1, j -> j.getJobId().equals(DerivedJobs.fineTuneJobId(search)), WAIT)
                    .get(0);

            // A pod restart with a fresh emptyDir: the search folder on the local disk is gone.
            Path local = scratch().resolve("working").resolve(search);
            assertTrue(Files.isRegularFile(local.resolve("search").resolve("search.json")), "written locally first");
            deleteRecursively(local);

            tap.send(Topics.SEARCH_COMPLETIONS, fineTune.getJobId(), ArchitectureExportTest.completed(fineTune.getJobId(),
                    fineTune.getSpec(), SearchStatus.SUCCEEDED, TensorCodec.fromAvro(fineTune.getInitialModel())));
            ModelReady model = ready.await(1, m -> m.getJobId().equals(search), WAIT).get(0);
            Map<String, byte[]> files = fetchVerified(model);
            for (String name : List.of("model.safetensors", "model.json", "genotype.json", "search/search.json",
                    "search/supernet.safetensors", "search/derived-inherited.safetensors")) {
                assertTrue(files.containsKey(name), name + " in " + files.keySet());
            }
            Map<?, ?> record = new ObjectMapper().readValue(files.get("search/search.json"), Map.class);
            assertEquals(fineTune.getJobId(), ((Map<?, ?>) record.get("fineTuneJob")).get("jobId"));

            // Lost again, and the same job completes again: the note that it delivered came back from the store too.
            deleteRecursively(local);
            tap.send(Topics.SEARCH_COMPLETIONS, fineTune.getJobId(), ArchitectureExportTest.completed(
                    fineTune.getJobId(), fineTune.getSpec(), SearchStatus.FAILED, null));
            DeadLetter letter = deadLetters.await(1, d -> fineTune.getJobId().equals(d.getJobId()), WAIT).get(0);
            assertTrue(letter.getReason().contains("already delivered"), letter.getReason());
            assertTrue(ready.during(Duration.ofSeconds(2), m -> m.getJobId().equals(search)).isEmpty(), "one model");
        }
    }

    private static void deleteRecursively(Path root) throws Exception {
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
