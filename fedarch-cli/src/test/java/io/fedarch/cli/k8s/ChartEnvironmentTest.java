package io.fedarch.cli.k8s;

import static io.fedarch.cli.k8s.RenderedChart.container;
import static io.fedarch.cli.k8s.RenderedChart.list;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.net.InetAddress;
import java.net.ServerSocket;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

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
 * three services started as processes with exactly the rendered environment — pointed at a real
 * local broker — become ready, answer the probes' endpoints and run a job together.
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

    @TempDir
    Path work;

    @Test
    void everyRenderedVariableIsOneTheServiceReads() throws IOException {
        Path home = RenderedChart.home();
        Set<String> kafkaSettings = new TreeSet<>(ProducerConfig.configNames());
        kafkaSettings.addAll(ConsumerConfig.configNames());
        for (List<String> profiles : List.of(List.<String>of(), List.of("gpu"), List.of("strimzi"))) {
            RenderedChart chart = RenderedChart.render(profiles, Map.of());
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
                                + " (profiles " + profiles + ")");
                    }
                }
            }
        }
    }

    @Test
    void theServicesStartWithTheRenderedEnvironmentAndRunAJob() throws Exception {
        Path home = RenderedChart.home();
        try (KafkaBrokerProcess broker = KafkaBrokerProcess.builder().start(work.resolve("broker"))) {
            RenderedChart chart = RenderedChart.render(List.of(), Map.of(
                    "kafka.bootstrapServers", broker.bootstrapServers(), "kafka.securityProtocol", "PLAINTEXT",
                    "autoscaling.mode", "none"));
            List<ServiceProcess> services = new ArrayList<>();
            try {
                for (JsonNode deployment : chart.ofKind("Deployment")) {
                    String service = serviceOf(deployment);
                    Map<String, String> environment = podEnvironment(deployment);
                    Path app = home.resolve(MODULES.get(service)).resolve("target/quarkus-app");
                    // Several pods on one machine: each its own port (ServiceProcess sets quarkus.http.port).
                    services.add(ServiceProcess.start(service, app, freePort(), service.equals("worker") ? 2048 : 1024,
                            Map.of(), environment, work.resolve("logs").resolve(service + ".log")));
                }
                HttpClient http = HttpClient.newHttpClient();
                for (ServiceProcess service : services) {
                    service.awaitReady(Duration.ofSeconds(120));
                    for (String probe : List.of("/q/health/live", "/q/health/ready", "/q/health/started")) {
                        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + service.httpPort() + probe)).build(),
                                HttpResponse.BodyHandlers.ofString());
                        assertEquals(200, response.statusCode(), service.name() + " " + probe + ": " + response.body());
                    }
                }
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
                assertEquals(SearchStatus.SUCCEEDED, outcome.completion().getStatus());
                assertTrue(!updates.isEmpty() && updates.stream().allMatch(u -> u.getWorkerId().equals(POD_NAME)),
                        "the worker names itself after its pod (FEDARCH_WORKER_ID from the downward API)");
                assertTrue(outcome.models().get(0).getTestAccuracy() > 0.5, "the job trained a real model");
                Path exported = work.resolve("volumes/var/lib/fedarch/models").resolve(outcome.jobId());
                assertTrue(Files.isDirectory(exported), "the pruning service exported into its volume");
            } finally {
                services.forEach(ServiceProcess::close);
            }
        }
    }

    /** The container's environment as the kubelet would set it, with volume paths under this test's directory. */
    private Map<String, String> podEnvironment(JsonNode deployment) throws IOException {
        Map<String, String> environment = new LinkedHashMap<>();
        for (JsonNode variable : list(container(deployment).path("env"))) {
            String name = variable.path("name").asText();
            if (variable.has("value")) {
                environment.put(name, variable.path("value").asText());
            } else if (variable.path("valueFrom").path("fieldRef").path("fieldPath").asText().equals("metadata.name")) {
                environment.put(name, POD_NAME);
            } else {
                throw new AssertionError("unexpected variable source without credentials: " + variable);
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

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
