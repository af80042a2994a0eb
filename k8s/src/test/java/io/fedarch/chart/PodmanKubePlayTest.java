package io.fedarch.chart;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import io.fedarch.broker.FreePorts;
import io.fedarch.broker.KafkaBrokerProcess;
import io.fedarch.objectstore.S3ProxyProcess;
import io.fedarch.events.ModelReady;
import io.fedarch.events.wire.TopicTap;
import io.fedarch.events.wire.Topics;

/**
 * The chart's pods, run for real: the service images built from the repository's Dockerfiles
 * ({@code ./fedarch images --base local}), the chart rendered by Helm with the local podman profile,
 * its Deployments, ConfigMaps and the operator's Secrets run by {@code podman kube play}, a broker on
 * the host's loopback, and a tiny FedAvg job submitted through the coordinator's REST API (with the
 * token from the Secret) that must end in a ModelReady whose files a consumer fetches two ways: from the
 * object store the pruning pod delivered to (s3proxy on the loopback, the key pair from a Secret) and from
 * the artifacts topic with examples/clients/fetch_model.py. Together that proves the images, the
 * environment the chart gives the services, the probe endpoints, the security contexts and the volumes.
 */
class PodmanKubePlayTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final String[] SERVICES = {"coordinator", "pruning", "worker"};
    private static final String BUCKET = "fedarch-models";

    @TempDir
    Path temp;

    @Test
    void theChartsPodsRunATinyJobToModelReady() throws Exception {
        Path home = RenderedChart.home();
        Podman podman = Podman.onThisMachine(home);
        long buildStart = System.nanoTime();
        podman.exec(List.of("bash", "k8s/images/build.sh", "--base", "local", "--skip-gpu"), 1800)
                .orFail("./fedarch images --base local");
        System.out.printf("images built in %.0f s%n", (System.nanoTime() - buildStart) / 1e9);

        List<Integer> ports = FreePorts.pick(2 * SERVICES.length);
        Map<String, Object> sets = new LinkedHashMap<>();
        for (int i = 0; i < SERVICES.length; i++) {
            sets.put("hostNetwork.ports." + SERVICES[i] + ".http", ports.get(2 * i));
            sets.put("hostNetwork.ports." + SERVICES[i] + ".management", ports.get(2 * i + 1));
        }
        String token = HexFormat.of().formatHex(UUID.randomUUID().toString().getBytes()).substring(0, 48);
        String updateKey = HexFormat.of().formatHex(UUID.randomUUID().toString().getBytes()).substring(0, 64);

        try (KafkaBrokerProcess broker = KafkaBrokerProcess.start(temp.resolve("broker"));
             S3ProxyProcess objectStore = S3ProxyProcess.start(temp.resolve("object-store"));
             TopicTap tap = new TopicTap(broker.bootstrapServers())) {
            sets.put("kafka.bootstrapServers", broker.bootstrapServers());
            // The pods' libtorch meets the same CPU as this JVM's: the same oneDNN cap (./fedarch sets it on AMD AVX-512).
            String isa = System.getenv("ONEDNN_MAX_CPU_ISA");
            if (isa != null && !isa.isBlank()) {
                sets.put("engine.oneDnnMaxCpuIsa", isa);
            }
            objectStore.createBucket(BUCKET);
            sets.put("objectStore.enabled", true);
            sets.put("objectStore.endpoint", objectStore.endpoint().toString());
            sets.put("objectStore.bucket", BUCKET);
            sets.put("objectStore.existingSecret", "fedarch-object-store");
            RenderedChart chart = RenderedChart.render(List.of("local-podman"), sets);
            KubePlayManifest kube = new KubePlayManifest(chart);
            Path manifest = kube.writeTo(home.resolve("k8s/target/podman/fedarch-kube.yaml"));
            podman.run(120, "kube", "down", manifest.toString());
            // What the operator creates (docs/deployment.md); the chart only refers to them.
            podman.createSecret("fedarch-api", Map.of("token", token));
            podman.createSecret("fedarch-update-key", Map.of("key", updateKey));
            podman.createSecret("fedarch-object-store", Map.of("accessKeyId", S3ProxyProcess.ACCESS_KEY_ID,
                    "secretAccessKey", S3ProxyProcess.SECRET_ACCESS_KEY));
            long playStart = System.nanoTime();
            try {
                podman.run(300, "kube", "play", manifest.toString()).orFail("podman kube play " + manifest);
                for (int i = 0; i < SERVICES.length; i++) {
                    awaitReady(podman, SERVICES[i], ports.get(2 * i + 1), Duration.ofSeconds(300));
                }
                System.out.printf("pods ready %.0f s after kube play%n", (System.nanoTime() - playStart) / 1e9);

                for (String service : SERVICES) {
                    assertRunsConfined(podman, service);
                }

                int apiPort = ports.get(0);
                assertEquals(401, post(apiPort, null, Map.of()).statusCode(), "the API wants the token");
                String jobId;
                try (var ready = tap.follow(Topics.MODELS_READY, ModelReady.class)) {
                    HttpResponse<String> accepted = post(apiPort, token, tinyJob(home));
                    assertEquals(202, accepted.statusCode(), accepted.body());
                    jobId = JSON.readTree(accepted.body()).path("jobId").asText();
                    ModelReady model = ready.await(1, r -> r.getJobId().equals(jobId), Duration.ofSeconds(600)).get(0);
                    System.out.printf("job %s model ready %.0f s after kube play: test accuracy %.4f%n", jobId,
                            (System.nanoTime() - playStart) / 1e9, model.getTestAccuracy());
                    assertTrue(model.getTestAccuracy() > 0.4,
                            "two FedAvg rounds on 3,000 real images beat chance (0.1) by far: " + model.getTestAccuracy());
                    assertTrue(model.getArtifactUri().startsWith("s3://" + BUCKET + "/fedarch/" + jobId + "/global/"),
                            model.getArtifactUri());
                    Map<String, byte[]> fromStore = DeliveredFiles.fromObjectStore(objectStore, model);
                    Map<String, byte[]> fromTopic = DeliveredFiles.fromArtifactsTopic(home, broker.bootstrapServers(),
                            jobId, temp.resolve("fetched"));
                    assertEquals(fromStore.keySet(), fromTopic.keySet(), "the same files both ways");
                    fromStore.forEach((name, bytes) -> assertArrayEquals(bytes, fromTopic.get(name), name));
                }
            } catch (AssertionError | RuntimeException e) {
                System.out.println(logs(podman));
                throw e;
            } finally {
                podman.run(180, "kube", "down", manifest.toString());
                kube.emptyDirVolumes().forEach(volume -> podman.run(60, "volume", "rm", "-f", volume));
                podman.run(30, "secret", "rm", "fedarch-api", "fedarch-update-key", "fedarch-object-store");
            }
            assertFalse(podman.run(60, "pod", "ps", "--format", "{{.Name}}").output().contains("fedarch-"),
                    "kube down removed the pods");
        }
    }

    /** The job of examples/tiny-smoke.yaml, as the REST API takes it. */
    private static Map<?, ?> tinyJob(Path home) throws IOException {
        JsonNode example = YAML.readTree(home.resolve("examples/tiny-smoke.yaml").toFile());
        return JSON.convertValue(example.path("job"), Map.class);
    }

    private static HttpResponse<String> post(int port, String token, Map<?, ?> body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/jobs"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Polls the readiness probe's endpoint the chart gives the service (podman runs no probes without systemd). */
    private static void awaitReady(Podman podman, String service, int managementPort, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> health = client.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + managementPort + "/q/health/ready"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                if (health.statusCode() == 200) {
                    return;
                }
                last = health.statusCode() + " " + health.body();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(2000);
        }
        throw new AssertionError(service + " not ready on :" + managementPort + " within " + timeout.toSeconds()
                + " s (" + last + ")\n" + logs(podman));
    }

    /** The security context as the running container has it: uid 10001, read-only root, no capabilities. */
    private static void assertRunsConfined(Podman podman, String service) {
        String container = container(podman, service);
        assertEquals("10001", podman.run(30, "exec", container, "id", "-u").orFail("id -u").output().strip(),
                service + " runs as the chart's non-root user");
        Podman.Result write = podman.run(30, "exec", container, "touch", "/deployments/written");
        assertNotEquals(0, write.exitCode(), service + ": the root filesystem is read-only");
        assertTrue(write.output().contains("Read-only file system"), write.output());
        String capabilities = podman.run(30, "exec", container, "grep", "CapEff", "/proc/1/status")
                .orFail("CapEff").output();
        assertTrue(capabilities.strip().endsWith("0000000000000000"), service + " holds capabilities: " + capabilities);
        podman.run(30, "exec", container, "touch", "/tmp/written").orFail(service + ": /tmp (an emptyDir) is writable");
    }

    /** The running container of a service's pod ({@code kube play} names pods after the Deployment). */
    private static String container(Podman podman, String service) {
        String names = podman.run(30, "ps", "--format", "{{.Names}}").orFail("podman ps").output();
        String deployment = "fedarch-" + (service.equals("worker") ? "worker-cpu" : service);
        return names.lines().filter(n -> n.startsWith(deployment + "-pod") && !n.endsWith("-infra"))
                .findFirst().orElseThrow(() -> new AssertionError("no container of " + deployment + " in:\n" + names));
    }

    private static String logs(Podman podman) {
        StringBuilder all = new StringBuilder();
        String names = podman.run(30, "ps", "-a", "--format", "{{.Names}}").output();
        for (String name : names.lines().filter(n -> n.startsWith("fedarch-") && !n.endsWith("-infra")).toList()) {
            String log = podman.run(30, "logs", "--tail", "60", name).output();
            all.append("==== ").append(name).append(" (last 60 lines)\n").append(log);
        }
        return all.toString();
    }
}
