package io.fedarch.chart;

import static io.fedarch.chart.RenderedChart.container;
import static io.fedarch.chart.RenderedChart.list;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import io.fedarch.broker.FreePorts;
import io.fedarch.broker.KafkaBrokerProcess;
import io.fedarch.cli.ConsoleProgress;
import io.fedarch.cli.JobFile;
import io.fedarch.cli.JobOutcome;
import io.fedarch.cli.JobRunner;
import io.fedarch.cli.ServiceProcess;
import io.fedarch.events.ClientUpdate;
import io.fedarch.events.JobSpec;
import io.fedarch.events.SearchStatus;
import io.fedarch.events.wire.TopicTap;
import io.fedarch.events.wire.Topics;

/**
 * The services run with the configuration the chart gives them: every environment variable a
 * Deployment sets is one the service (or Kafka, DJL, OpenMP, the image's entrypoint) reads, and the
 * three services started as processes with exactly the rendered environment of the Strimzi values —
 * pointed at a real local broker that authenticates them (SASL) and enforces the chart's ACLs —
 * become ready, answer the probes' endpoints and run a job together, each as its own Kafka user.
 */
class ChartEnvironmentTest {
    /** Read outside the services' configuration, each by whom. */
    private static final Map<String, String> EXTERNAL = Map.of(
            "JAVA_OPTS", "the image's entrypoint (java $JAVA_OPTS -jar quarkus-run.jar)",
            "DJL_OFFLINE", "DJL", "OPT_OUT_TRACKING", "DJL", "DJL_CACHE_DIR", "DJL", "ENGINE_CACHE_DIR", "DJL",
            "OMP_WAIT_POLICY", "libtorch's OpenMP runtime");
    private static final Map<String, String> MODULES = ChartTopology.SERVICES;
    /** What the downward API would give for metadata.name. */
    private static final String POD_NAME = "fedarch-worker-cpu-7c9f5-x2x8q";
    /** What the operator put in the API token Secret. */
    private static final String API_TOKEN = "operator-generated-token-0123456789";

    @TempDir
    Path work;

    @Test
    void everyRenderedVariableIsOneTheServiceReads() throws IOException {
        Path home = RenderedChart.home();
        Set<String> kafkaSettings = new TreeSet<>(ProducerConfig.configNames());
        kafkaSettings.addAll(ConsumerConfig.configNames());
        Map<String, RenderedChart> renders = new LinkedHashMap<>();
        for (List<String> profiles : List.of(List.<String>of(), List.of("gpu"), List.of("strimzi"))) {
            renders.put("profiles " + profiles, RenderedChart.render(profiles, Map.of()));
        }
        // The object store's variables are rendered only when it is on.
        renders.put("objectStore on", RenderedChart.render(List.of(), Map.of("objectStore.enabled", true,
                "objectStore.endpoint", "http://minio:9000", "objectStore.bucket", "models",
                "objectStore.existingSecret", "fedarch-object-store")));
        for (Map.Entry<String, RenderedChart> render : renders.entrySet()) {
            RenderedChart chart = render.getValue();
            for (JsonNode deployment : chart.ofKind("Deployment")) {
                String service = serviceOf(deployment);
                Set<String> readable = environmentNames(home, MODULES.get(service));
                for (JsonNode variable : list(container(deployment).path("env"))) {
                    String name = variable.path("name").asText();
                    if (EXTERNAL.containsKey(name)) {
                        continue;
                    }
                    if (name.startsWith("KAFKA_")) {
                        String setting = name.substring("KAFKA_".length()).toLowerCase().replace('_', '.');
                        assertTrue(kafkaSettings.contains(setting), name + " is no Kafka client setting (" + setting + ")");
                    } else {
                        assertTrue(readable.contains(name), service + " reads no configuration key for " + name
                                + " (" + render.getKey() + ")");
                    }
                }
            }
        }
    }

    @Test
    void theServicesRunAJobWithTheRenderedEnvironmentAsTheirOwnKafkaUsers() throws Exception {
        Path home = RenderedChart.home();
        int saslPort = FreePorts.one();
        Map<String, String> passwords = Map.of("fedarch-coordinator", "coordinator-secret",
                "fedarch-worker", "worker-secret", "fedarch-pruning", "pruning-secret");
        try (KafkaBrokerProcess broker = KafkaBrokerProcess.builder().saslPlainListener(saslPort, passwords)
                .start(work.resolve("broker"))) {
            RenderedChart chart = RenderedChart.render(List.of("strimzi"), Map.of(
                    "kafka.bootstrapServers", "127.0.0.1:" + saslPort, "kafka.securityProtocol", "SASL_PLAINTEXT",
                    "kafka.sasl.mechanism", "PLAIN", "autoscaling.mode", "none", "kafka.topics.replicas", 1));
            // What Strimzi's operators would do with the chart's resources: the topics, then each user's ACLs.
            try (Admin operator = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
                operator.createTopics(chart.ofKind("KafkaTopic").stream().map(ChartEnvironmentTest::newTopic).toList())
                        .all().get(60, TimeUnit.SECONDS);
                operator.createAcls(chart.ofKind("KafkaUser").stream().flatMap(u -> aclBindings(u).stream()).toList())
                        .all().get(60, TimeUnit.SECONDS);
            }
            // The users' Secrets, as Strimzi writes them: a JAAS line under sasl.jaas.config.
            Map<String, String> secrets = new LinkedHashMap<>();
            passwords.forEach((user, password) -> secrets.put(user, "org.apache.kafka.common.security.plain.PlainLoginModule"
                    + " required username=\"" + user + "\" password=\"" + password + "\";"));
            List<ServiceProcess> services = new ArrayList<>();
            try {
                for (JsonNode deployment : chart.ofKind("Deployment")) {
                    String service = serviceOf(deployment);
                    Map<String, String> environment = podEnvironment(deployment, secrets);
                    Path app = home.resolve(MODULES.get(service)).resolve("target/quarkus-app");
                    // Several pods on one machine: each its own ports (ServiceProcess sets quarkus.http.port and
                    // quarkus.management.port over the rendered QUARKUS_HTTP_PORT and QUARKUS_MANAGEMENT_PORT).
                    List<Integer> ports = FreePorts.pick(2);
                    services.add(ServiceProcess.start(service, app, ports.get(0), ports.get(1),
                            service.equals("worker") ? 2048 : 1024, Map.of(), environment,
                            work.resolve("logs").resolve(service + ".log")));
                }
                HttpClient http = HttpClient.newHttpClient();
                for (ServiceProcess service : services) {
                    service.awaitReady(Duration.ofSeconds(120));
                    for (String probe : List.of("/q/health/live", "/q/health/ready", "/q/health/started")) {
                        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + service.managementPort() + probe)).build(),
                                HttpResponse.BodyHandlers.ofString());
                        assertEquals(200, response.statusCode(), service.name() + " " + probe + ": " + response.body());
                    }
                }
                // The coordinator's REST API takes the token from the Secret the chart refers to, and only it.
                ServiceProcess coordinator = services.stream().filter(p -> p.name().equals("coordinator")).findFirst()
                        .orElseThrow();
                URI jobs = URI.create("http://127.0.0.1:" + coordinator.httpPort() + "/jobs");
                assertEquals(401, http.send(HttpRequest.newBuilder(jobs).build(), HttpResponse.BodyHandlers.ofString())
                        .statusCode());
                assertEquals(200, http.send(HttpRequest.newBuilder(jobs).header("Authorization", "Bearer " + API_TOKEN)
                        .build(), HttpResponse.BodyHandlers.ofString()).statusCode());
                JobSpec job = JobFile.read(home.resolve("examples/tiny-smoke.yaml")).spec();
                job.setName("chart-environment");
                JobOutcome outcome;
                List<ClientUpdate> updates;
                try (TopicTap tap = new TopicTap(broker.bootstrapServers());
                     var updateTopic = tap.follow(Topics.CLIENT_UPDATES, ClientUpdate.class)) {
                    outcome = new JobRunner(broker.bootstrapServers())
                            .run(job, Duration.ofSeconds(300), new ConsoleProgress(System.out));
                    updates = updateTopic.during(Duration.ofSeconds(2), u -> true);
                }
                assertEquals(SearchStatus.SUCCEEDED, outcome.completion().getStatus(),
                        "the job ran with every service limited to its own ACLs: " + outcome.completion().getReason());
                assertTrue(!updates.isEmpty() && updates.stream().allMatch(u -> u.getWorkerId().equals(POD_NAME)),
                        "the worker names itself after its pod (FEDARCH_WORKER_ID from the downward API)");
                assertTrue(outcome.models().get(0).getTestAccuracy() > 0.5, "the job trained a real model");
                Path exported = work.resolve("volumes/var/lib/fedarch/models").resolve(outcome.jobId());
                assertTrue(Files.isDirectory(exported), "the pruning service exported into its volume");
            } finally {
                services.forEach(ServiceProcess::close);
            }
            // Least privilege, enforced by the broker: the worker's user may not publish a global model.
            Map<String, Object> asWorker = new LinkedHashMap<>();
            asWorker.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:" + saslPort);
            asWorker.put("security.protocol", "SASL_PLAINTEXT");
            asWorker.put("sasl.mechanism", "PLAIN");
            asWorker.put("sasl.jaas.config", secrets.get("fedarch-worker"));
            asWorker.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
            try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(asWorker, new ByteArraySerializer(),
                    new ByteArraySerializer())) {
                ExecutionException refused = assertThrows(ExecutionException.class, () -> producer
                        .send(new ProducerRecord<>(Topics.GLOBAL_MODELS, new byte[] {1})).get(30, TimeUnit.SECONDS));
                assertTrue(refused.getCause() instanceof TopicAuthorizationException, String.valueOf(refused.getCause()));
            }
        }
    }

    /** A KafkaTopic as the Strimzi topic operator creates it (one replica: one broker here). */
    private static NewTopic newTopic(JsonNode kafkaTopic) {
        JsonNode spec = kafkaTopic.path("spec");
        Map<String, String> configs = new LinkedHashMap<>();
        spec.path("config").properties().forEach(e -> configs.put(e.getKey(), e.getValue().asText()));
        return new NewTopic(spec.path("topicName").asText(), spec.path("partitions").asInt(), (short) 1).configs(configs);
    }

    /** A KafkaUser's simple-authorization ACLs as the Strimzi user operator writes them. */
    private static List<AclBinding> aclBindings(JsonNode kafkaUser) {
        String principal = "User:" + kafkaUser.path("metadata").path("name").asText();
        List<AclBinding> bindings = new ArrayList<>();
        for (JsonNode acl : list(kafkaUser.path("spec").path("authorization").path("acls"))) {
            JsonNode resource = acl.path("resource");
            // Strimzi spells the resource types in camel case (transactionalId); Kafka in upper snake case.
            String type = resource.path("type").asText().replaceAll("([a-z])([A-Z])", "$1_$2");
            ResourcePattern pattern = new ResourcePattern(ResourceType.fromString(type),
                    resource.path("name").asText(),
                    resource.path("patternType").asText().equals("prefix") ? PatternType.PREFIXED : PatternType.LITERAL);
            for (JsonNode operation : list(acl.path("operations"))) {
                bindings.add(new AclBinding(pattern, new AccessControlEntry(principal, "*",
                        AclOperation.fromString(operation.asText()), AclPermissionType.ALLOW)));
            }
        }
        return bindings;
    }

    /** The container's environment as the kubelet would set it, with volume paths under this test's directory. */
    /** The update-signing key the test's Secret would hold (hex, 16 bytes). */
    private static final String UPDATE_KEY = "0123456789abcdef0123456789abcdef";

    private Map<String, String> podEnvironment(JsonNode deployment, Map<String, String> jaasBySecret) throws IOException {
        Map<String, String> environment = new LinkedHashMap<>();
        for (JsonNode variable : list(container(deployment).path("env"))) {
            String name = variable.path("name").asText();
            if (variable.has("value")) {
                environment.put(name, variable.path("value").asText());
            } else if (variable.path("valueFrom").path("fieldRef").path("fieldPath").asText().equals("metadata.name")) {
                environment.put(name, POD_NAME);
            } else if (variable.path("valueFrom").has("secretKeyRef")) {
                JsonNode ref = variable.path("valueFrom").path("secretKeyRef");
                if (name.equals("FEDARCH_API_TOKEN")) {
                    // The operator's Secret (kubectl create secret generic fedarch-api --from-literal=token=...).
                    assertEquals("fedarch-api", ref.path("name").asText());
                    assertEquals("token", ref.path("key").asText());
                    environment.put(name, API_TOKEN);
                    continue;
                }
                if (name.equals("FEDARCH_COORDINATOR_UPDATE_KEY") || name.equals("FEDARCH_WORKER_UPDATE_KEY")) {
                    // The release's update-signing Secret (kubectl create secret generic <release>-update-key ...):
                    // the same key for the coordinator and the workers, so their updates are signed and checked here.
                    assertTrue(ref.path("name").asText().endsWith("-update-key"), ref.toString());
                    assertEquals("key", ref.path("key").asText());
                    environment.put(name, UPDATE_KEY);
                    continue;
                }
                assertEquals("sasl.jaas.config", ref.path("key").asText());
                environment.put(name, jaasBySecret.get(ref.path("name").asText()));
            } else {
                throw new AssertionError("unexpected variable source: " + variable);
            }
        }
        // Volume mounts: an exports volume at /var/lib/fedarch/models becomes a directory of this test.
        String exports = environment.get("FEDARCH_EXPORT_DIR");
        if (exports != null) {
            Path volume = work.resolve("volumes").resolve(exports.substring(1));
            Files.createDirectories(volume);
            environment.put("FEDARCH_EXPORT_DIR", volume.toString());
        }
        return environment;
    }

    private static String serviceOf(JsonNode deployment) {
        return deployment.path("metadata").path("labels").path("app.kubernetes.io/component").asText();
    }

    /**
     * The environment variable names that set a configuration key the module reads: keys of its
     * application.properties and {@code @ConfigProperty} names in its and service-support's sources,
     * mapped as Quarkus maps them (upper case, every non-alphanumeric character an underscore).
     */
    private static Set<String> environmentNames(Path home, String module) throws IOException {
        Set<String> keys = new TreeSet<>();
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(home.resolve(module).resolve("src/main/resources/application.properties"))) {
            properties.load(reader);
        }
        properties.stringPropertyNames().forEach(k -> keys.add(k.replaceFirst("^%[a-z]+\\.", "")));
        Pattern configProperty = Pattern.compile("@ConfigProperty\\(name\\s*=\\s*\"([^\"]+)\"");
        for (String sources : List.of(module, "service-support")) {
            try (Stream<Path> files = Files.walk(home.resolve(sources).resolve("src/main/java"))) {
                for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                    Matcher m = configProperty.matcher(Files.readString(file));
                    while (m.find()) {
                        keys.add(m.group(1));
                    }
                }
            }
        }
        Set<String> names = new TreeSet<>();
        keys.forEach(k -> names.add(k.toUpperCase().replaceAll("[^A-Z0-9]", "_")));
        return names;
    }
}
