package io.fedarch.service.artifacts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import io.fedarch.broker.KafkaBrokerProcess;
import io.fedarch.events.Artifact;
import io.fedarch.events.ModelReady;
import io.fedarch.events.ModelScope;
import io.fedarch.events.wire.EventCodec;
import io.fedarch.events.wire.Topics;

/**
 * examples/clients/fetch_model.py, the outsider's client (Python, the .avsc files, the broker, nothing else),
 * fetches a delivered model announced by a ModelReady from a real broker, and refuses a broken delivery.
 */
@ExtendWith(ArtifactTopicBroker.class)
class FetchModelScriptTest {
    private static final Path SCRIPT = Path.of("../examples/clients/fetch_model.py");
    private static String python;

    @TempDir
    Path dir;

    /** The first Python that has Debian's python3-avro and python3-confluent-kafka (CI installs both). */
    @BeforeAll
    static void findPythonWithAvroAndKafka() throws Exception {
        for (String candidate : List.of("python3", "/usr/bin/python3")) {
            try {
                Process probe = new ProcessBuilder(candidate, "-c", "import avro.schema, confluent_kafka")
                        .redirectErrorStream(true).start();
                if (probe.waitFor(60, TimeUnit.SECONDS) && probe.exitValue() == 0) {
                    python = candidate;
                    return;
                }
            } catch (IOException notThere) {
                // Try the next one.
            }
        }
        Assumptions.abort("no python3 with the avro and confluent_kafka modules; install them with"
                + " apt-get install -y python3-avro python3-confluent-kafka (./fedarch test does)");
    }

    @Test
    void theScriptFetchesAndVerifiesTheFilesOfTheJobsModel(KafkaBrokerProcess broker) throws Exception {
        String job = "py-" + UUID.randomUUID();
        Path weights = dir.resolve("in/model.safetensors");
        TestFiles.writeRandom(weights, 1_500_001, 11);
        Path architecture = Files.writeString(dir.resolve("in/architecture.json"), "{\"genotype\":\"darts\"}");
        Path clientWeights = dir.resolve("in/client.safetensors");
        TestFiles.writeRandom(clientWeights, 70_000, 12);
        ModelReady global = modelReady(job, ModelScope.GLOBAL, null);
        ModelReady client = modelReady(job, ModelScope.CLIENT, 2);
        try (ArtifactChunkPublisher publisher = new ArtifactChunkPublisher(
                Map.of("bootstrap.servers", broker.bootstrapServers()), 256 << 10)) {
            announce(broker, client, publisher.publish(DeliveredModel.client(job, client.getEventId(), 2),
                    List.of(new ArtifactFile(clientWeights, "client-2/model.safetensors", "application/octet-stream"))));
            announce(broker, global, publisher.publish(DeliveredModel.global(job, global.getEventId()), List.of(
                    new ArtifactFile(weights, "global/model.safetensors", "application/octet-stream"),
                    new ArtifactFile(architecture, "global/architecture.json", "application/json"))));
        }

        Run run = runScript(broker, job, dir.resolve("fetched"));

        assertEquals(0, run.exitCode, run.output);
        assertTrue(run.output.contains("reading partition " + JobPartition.of(job, 3) + " of fedarch.artifact-chunks"),
                "the script computes the job's partition as the publisher does:\n" + run.output);
        assertTrue(run.output.contains("global/model.safetensors: 1500001 bytes in 6 chunks, sha256 "), run.output);
        assertEquals(-1, Files.mismatch(weights, dir.resolve("fetched/global/model.safetensors")));
        assertEquals(-1, Files.mismatch(architecture, dir.resolve("fetched/global/architecture.json")));
        assertTrue(Files.notExists(dir.resolve("fetched/client-2")), "only the GLOBAL model's delivery");
        assertTrue(Files.notExists(dir.resolve("fetched/.partial")));

        Run clientRun = runScript(broker, job, dir.resolve("client"), "--scope", "CLIENT", "--client-id", "2");
        assertEquals(0, clientRun.exitCode, clientRun.output);
        assertEquals(-1, Files.mismatch(clientWeights, dir.resolve("client/client-2/model.safetensors")));
    }

    @Test
    void theScriptRefusesADeliveryWithAMissingChunk(KafkaBrokerProcess broker) throws Exception {
        String job = "py-" + UUID.randomUUID();
        byte[] content = "a model whose middle chunk never arrived".getBytes(StandardCharsets.US_ASCII);
        ModelReady ready = modelReady(job, ModelScope.GLOBAL, null);
        HandmadeChunks.write(broker, job, ready.getEventId(), List.of(
                HandmadeChunks.chunk(job, "global/model.bin", content, 0, 3, 0, 10),
                HandmadeChunks.chunk(job, "global/model.bin", content, 2, 3, 20, content.length - 20)));
        announce(broker, ready, List.of(new PublishedArtifact("global/model.bin", "application/octet-stream",
                content.length, HandmadeChunks.sha256(content), 3)));

        Run run = runScript(broker, job, dir.resolve("fetched"));

        assertEquals(1, run.exitCode, run.output);
        assertTrue(run.output.contains("fetch_model.py: error: chunks [1] of global/model.bin are missing (2 of 3 present)"),
                run.output);
        assertTrue(Files.notExists(dir.resolve("fetched/global/model.bin")));
    }

    @Test
    void theScriptRefusesFilesTheModelReadyDoesNotAnnounce(KafkaBrokerProcess broker) throws Exception {
        String job = "py-" + UUID.randomUUID();
        Path weights = Files.writeString(dir.resolve("model.json"), "{\"weights\":[1,2,3]}");
        ModelReady ready = modelReady(job, ModelScope.GLOBAL, null);
        try (ArtifactChunkPublisher publisher = new ArtifactChunkPublisher(
                Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            publisher.publish(DeliveredModel.global(job, ready.getEventId()),
                    List.of(new ArtifactFile(weights, "global/model.json", "application/json")));
        }
        String otherSha = HandmadeChunks.sha256("other weights".getBytes(StandardCharsets.US_ASCII));
        announce(broker, ready, List.of(new PublishedArtifact("global/model.json", "application/json", 13, otherSha, 1)));

        Run run = runScript(broker, job, dir.resolve("fetched"));

        assertEquals(1, run.exitCode, run.output);
        assertTrue(run.output.contains("but no delivered file has that size and digest"), run.output);
    }

    private record Run(int exitCode, String output) {
    }

    private static Run runScript(KafkaBrokerProcess broker, String job, Path output, String... options) throws Exception {
        List<String> command = new ArrayList<>(List.of(python, SCRIPT.toString(), broker.bootstrapServers(), job,
                output.toString(), "--timeout", "120"));
        command.addAll(List.of(options));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String text = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(180, TimeUnit.SECONDS), "the script finishes:\n" + text);
        return new Run(process.exitValue(), text);
    }

    private static ModelReady modelReady(String job, ModelScope scope, Integer clientId) {
        return ModelReady.newBuilder().setEventId(UUID.randomUUID().toString()).setJobId(job).setTimestamp(Instant.now())
                .setScope(scope).setClientId(clientId).setAlgorithm("fednas").setArchitecture("{\"layers\":[]}")
                .setTestAccuracy(0.8).setTestLoss(0.5).setTestSamples(100).setParameterCount(10).setMacs(10)
                .setFormat("safetensors").setArtifactUri("/models/" + job).setFiles(List.of())
                .setRoundsCompleted(3).setSearchMs(1000).build();
    }

    /** Publishes the ModelReady (keyed by job, as the pruning service does) listing the published files. */
    private static void announce(KafkaBrokerProcess broker, ModelReady ready, List<PublishedArtifact> files) {
        ready.setFiles(files.stream().map(f -> Artifact.newBuilder().setPath(ready.getArtifactUri() + "/" + f.name())
                .setMediaType(f.mediaType()).setSizeBytes(f.sizeBytes()).setSha256(f.sha256()).build()).toList());
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config)) {
            producer.send(new ProducerRecord<>(Topics.MODELS_READY, ready.getJobId(), EventCodec.encode(ready)));
            producer.flush();
        }
    }
}
