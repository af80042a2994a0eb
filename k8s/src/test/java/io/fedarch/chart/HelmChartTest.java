package io.fedarch.chart;

import static io.fedarch.chart.RenderedChart.container;
import static io.fedarch.chart.RenderedChart.list;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;

import io.fedarch.broker.topics.FedarchTopicLayout;
import io.fedarch.broker.topics.TopicSettings;
import io.fedarch.events.wire.Topics;

/** The Helm chart in k8s/, linted and rendered by Helm, for the default, GPU and Strimzi values. */
class HelmChartTest {
    private static final List<String> DEPLOYMENTS = List.of("fedarch-coordinator", "fedarch-worker-cpu", "fedarch-pruning");

    @Test
    void lintsCleanInStrictMode() {
        LintResult result = new Helm(RenderedChart.chart()).lint().strict().call();
        assertFalse(result.isFailed(), String.join("\n", result.getMessages()));
    }

    @Test
    void aTypoInValuesFailsAtInstallTime() {
        Exception e = assertThrows(Exception.class,
                () -> RenderedChart.render(List.of(), Map.of("workers.gpu.enabeld", true)));
        assertTrue(e.getMessage().contains("enabeld"), e.getMessage());
        Exception wrongType = assertThrows(Exception.class,
                () -> RenderedChart.render(List.of(), Map.of("kafka.topics.taskPartitions", "eight")));
        assertTrue(wrongType.getMessage().contains("taskPartitions"), wrongType.getMessage());
        assertThrows(Exception.class, () -> RenderedChart.render(List.of(), Map.of("kafka.securityProtocol", "TLS")));
    }

    @Test
    void gpuLimitsAndTolerationsOnlyInTheGpuProfile() {
        RenderedChart defaults = RenderedChart.render(List.of(), Map.of());
        assertTrue(defaults.ofKind("Deployment").stream().noneMatch(d -> d.toString().contains("nvidia.com/gpu")),
                "no GPU request, selector or toleration without the GPU profile");
        assertTrue(defaults.names().stream().noneMatch(n -> n.endsWith("worker-gpu")));

        RenderedChart gpu = RenderedChart.render(List.of("gpu"), Map.of());
        JsonNode gpuWorker = gpu.named("Deployment", "fedarch-worker-gpu");
        JsonNode pod = gpuWorker.path("spec").path("template").path("spec");
        assertEquals(1, container(gpuWorker).path("resources").path("limits").path("nvidia.com/gpu").asInt());
        assertEquals("nvidia.com/gpu", pod.path("tolerations").get(0).path("key").asText());
        assertEquals("true", pod.path("nodeSelector").path("nvidia.com/gpu.present").asText());
        assertTrue(container(gpuWorker).path("image").asText().contains("/fedarch-worker-gpu:"),
                "the GPU pool runs the CUDA image");
        JsonNode cpuWorker = gpu.named("Deployment", "fedarch-worker-cpu");
        assertFalse(cpuWorker.toString().contains("nvidia.com/gpu"), "the CPU pool of the same release has no GPU");
        for (String other : List.of("fedarch-coordinator", "fedarch-pruning")) {
            assertFalse(gpu.named("Deployment", other).toString().contains("nvidia.com/gpu"), other);
        }
    }

    @Test
    void probesPointAtQuarkusHealthOnTheServedPort() {
        RenderedChart chart = RenderedChart.render(List.of("gpu"), Map.of());
        for (JsonNode deployment : chart.ofKind("Deployment")) {
            JsonNode c = container(deployment);
            assertEquals("http", c.path("ports").get(0).path("name").asText());
            int port = c.path("ports").get(0).path("containerPort").asInt();
            assertEquals(String.valueOf(port), env(c).get("QUARKUS_HTTP_PORT"), "the service listens where its ports say");
            assertEquals("management", c.path("ports").get(1).path("name").asText());
            int management = c.path("ports").get(1).path("containerPort").asInt();
            assertEquals(String.valueOf(management), env(c).get("QUARKUS_MANAGEMENT_PORT"),
                    "the service listens where the probes look");
            assertEquals("/q/health/live", c.path("livenessProbe").path("httpGet").path("path").asText());
            assertEquals("/q/health/ready", c.path("readinessProbe").path("httpGet").path("path").asText());
            assertEquals("/q/health/started", c.path("startupProbe").path("httpGet").path("path").asText());
            for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                assertEquals(management, c.path(probe).path("httpGet").path("port").asInt(), probe);
            }
        }
    }

    @Test
    void theLocalPodmanProfilePutsEveryServiceOnTheHostNetworkOnItsOwnPorts() {
        RenderedChart chart = RenderedChart.render(List.of("local-podman"),
                Map.of("hostNetwork.ports.pruning.management", 19301));
        Set<Integer> taken = new java.util.HashSet<>();
        for (JsonNode deployment : chart.ofKind("Deployment")) {
            String name = deployment.path("metadata").path("name").asText();
            JsonNode pod = deployment.path("spec").path("template").path("spec");
            assertTrue(pod.path("hostNetwork").asBoolean(), name);
            assertEquals("ClusterFirstWithHostNet", pod.path("dnsPolicy").asText(), name);
            assertEquals(1, deployment.path("spec").path("replicas").asInt(), name + ": a second pod would find its ports taken");
            JsonNode c = container(deployment);
            assertEquals("Never", c.path("imagePullPolicy").asText(), "built here: " + name);
            assertTrue(c.path("image").asText().startsWith("localhost/fedarch-"), c.path("image").asText());
            int http = Integer.parseInt(env(c).get("QUARKUS_HTTP_PORT"));
            int management = Integer.parseInt(env(c).get("QUARKUS_MANAGEMENT_PORT"));
            assertTrue(taken.add(http) && taken.add(management), name + " shares a port: " + taken);
            assertEquals(management, c.path("readinessProbe").path("httpGet").path("port").asInt(), name);
            assertEquals(http, c.path("ports").get(0).path("containerPort").asInt(), name);
            assertEquals("PLAINTEXT", env(c).get("KAFKA_SECURITY_PROTOCOL"), name);
        }
        assertEquals(3, chart.ofKind("Deployment").size(), chart.names().toString());
        assertTrue(taken.contains(19301), "the pruning service's management port as set: " + taken);
        assertEquals(List.of(), chart.ofKind("NetworkPolicy"), "no policy controller under podman");
        assertTrue(RenderedChart.render(List.of(), Map.of()).ofKind("Deployment").stream()
                .noneMatch(d -> d.path("spec").path("template").path("spec").has("hostNetwork")),
                "a cluster's pods keep their own network");
    }

    @Test
    void theOneDnnInstructionSetCapReachesEveryServiceOnlyWhenSet() {
        for (JsonNode deployment : RenderedChart.render(List.of(), Map.of()).ofKind("Deployment")) {
            assertFalse(env(container(deployment)).containsKey("ONEDNN_MAX_CPU_ISA"),
                    "oneDNN keeps its own choice by default: " + deployment.path("metadata").path("name").asText());
        }
        RenderedChart capped = RenderedChart.render(List.of("gpu"), Map.of("engine.oneDnnMaxCpuIsa", "AVX2"));
        for (JsonNode deployment : capped.ofKind("Deployment")) {
            assertEquals("AVX2", env(container(deployment)).get("ONEDNN_MAX_CPU_ISA"),
                    deployment.path("metadata").path("name").asText());
        }
        assertThrows(Exception.class, () -> RenderedChart.render(List.of(), Map.of("engine.oneDnnMaxCpuIsa", "avx2; rm")),
                "the schema takes oneDNN's upper-case ISA names only");
    }

    @Test
    void podsRunAsNonRootOnAReadOnlyRootFilesystemWithResourcesAndDisruptionBudgets() {
        RenderedChart chart = RenderedChart.render(List.of(), Map.of());
        for (String name : DEPLOYMENTS) {
            JsonNode deployment = chart.named("Deployment", name);
            JsonNode pod = deployment.path("spec").path("template").path("spec");
            JsonNode c = container(deployment);
            assertTrue(pod.path("securityContext").path("runAsNonRoot").asBoolean(), name);
            assertTrue(c.path("securityContext").path("readOnlyRootFilesystem").asBoolean(), name);
            assertFalse(c.path("securityContext").path("allowPrivilegeEscalation").asBoolean(true), name);
            assertEquals("ALL", c.path("securityContext").path("capabilities").path("drop").get(0).asText(), name);
            // libtorch unpacks its native library and DJL its cache under /tmp: it must be writable.
            assertTrue(list(c.path("volumeMounts")).stream().anyMatch(m -> m.path("mountPath").asText().equals("/tmp")), name);
            assertTrue(c.path("resources").path("requests").has("memory"), name);
            assertTrue(c.path("resources").path("limits").has("memory"), name);
        }
        Set<String> budgets = new TreeSet<>();
        chart.ofKind("PodDisruptionBudget").forEach(p -> budgets.add(p.path("metadata").path("name").asText()));
        assertEquals(new TreeSet<>(DEPLOYMENTS), budgets);
        assertEquals(3, chart.ofKind("NetworkPolicy").size());
        JsonNode workerPolicy = chart.named("NetworkPolicy", "fedarch-worker");
        assertEquals(List.of("Ingress", "Egress"), list(workerPolicy.path("spec").path("policyTypes")).stream()
                .map(JsonNode::asText).toList());
    }

    @Test
    void workersScaleOnTaskLagWithKedaOrOnCpuWithoutIt() {
        RenderedChart keda = RenderedChart.render(List.of("gpu"), Map.of("autoscaling.mode", "keda"));
        assertEquals(2, keda.ofKind("ScaledObject").size(), "one per worker pool");
        assertTrue(keda.ofKind("HorizontalPodAutoscaler").isEmpty());
        ServiceChannels worker = ChartTopology.services(RenderedChart.home()).get("worker");
        for (JsonNode scaled : keda.ofKind("ScaledObject")) {
            JsonNode trigger = scaled.path("spec").path("triggers").get(0);
            assertEquals("kafka", trigger.path("type").asText());
            assertEquals(Topics.CLIENT_TASKS, trigger.path("metadata").path("topic").asText());
            assertEquals(worker.groups().first(), trigger.path("metadata").path("consumerGroup").asText(),
                    "KEDA watches the group the workers really join");
            assertTrue(scaled.path("spec").path("maxReplicaCount").asInt() <= 8, "no more workers than task partitions");
            assertEquals("fedarch-kafka", trigger.path("authenticationRef").path("name").asText());
        }
        assertEquals(1, keda.ofKind("TriggerAuthentication").size());
        assertTrue(keda.ofKind("Deployment").stream().filter(d -> d.path("metadata").path("name").asText().contains("worker"))
                .noneMatch(d -> d.path("spec").has("replicas")), "the autoscaler owns the worker replica count");

        RenderedChart hpa = RenderedChart.render(List.of(), Map.of());
        assertTrue(hpa.ofKind("ScaledObject").isEmpty(), "helm template sees no KEDA API: the CPU fallback");
        JsonNode autoscaler = hpa.named("HorizontalPodAutoscaler", "fedarch-worker-cpu");
        assertEquals("cpu", autoscaler.path("spec").path("metrics").get(0).path("resource").path("name").asText());
        RenderedChart fixed = RenderedChart.render(List.of(), Map.of("autoscaling.mode", "none"));
        assertEquals(2, fixed.named("Deployment", "fedarch-worker-cpu").path("spec").path("replicas").asInt());
    }

    @Test
    void strimziGetsEveryTopicTheServicesUseWithTheServicesLayout() {
        RenderedChart chart = RenderedChart.render(List.of("strimzi"), Map.of());
        Map<String, TopicSettings> layout = FedarchTopicLayout.standard(8, 67_108_864);
        SortedSet<String> used = new TreeSet<>();
        ChartTopology.services(RenderedChart.home()).values().forEach(s -> {
            used.addAll(s.reads());
            used.addAll(s.writes());
        });
        Set<String> rendered = new TreeSet<>();
        for (JsonNode topic : chart.ofKind("KafkaTopic")) {
            String name = topic.path("spec").path("topicName").asText();
            rendered.add(name);
            TopicSettings expected = layout.get(name);
            assertEquals(expected.partitions(), topic.path("spec").path("partitions").asInt(), name);
            for (Map.Entry<String, String> config : expected.configs().entrySet()) {
                assertEquals(config.getValue(), topic.path("spec").path("config").path(config.getKey()).asText(),
                        name + " " + config.getKey());
            }
            assertEquals("my-cluster", topic.path("metadata").path("labels").path("strimzi.io/cluster").asText());
            boolean compacted = "compact".equals(expected.configs().get("cleanup.policy"));
            assertEquals(compacted ? "" : "604800000", topic.path("spec").path("config").path("retention.ms").asText(),
                    name + ": events expire after the retention, the compacted job state never by age");
        }
        assertTrue(rendered.containsAll(used), "a KafkaTopic for every topic a service uses; missing: "
                + used.stream().filter(t -> !rendered.contains(t)).toList());
        assertEquals(new TreeSet<>(Topics.ALL), rendered);
        for (String name : DEPLOYMENTS) {
            Map<String, String> env = env(container(chart.named("Deployment", name)));
            assertEquals("false", env.get("FEDARCH_TOPICS_PROVISION"), name + " does not create topics the chart manages");
            // Helm renders large numbers as floats unless told otherwise; a service would not start on "6.7e+07".
            assertEquals("67108864", env.get("FEDARCH_TOPICS_MAX_MESSAGE_BYTES"), name);
        }
    }

    /** The group-name prefix of the coordinator's console consumers (ConsoleFeed.GROUP_PREFIX; k8s does not depend on it). */
    private static final String CONSOLE_GROUP_PREFIX = "fedarch-console-";

    @Test
    void eachServiceUserMayReadAndWriteOnlyItsOwnTopics() {
        RenderedChart chart = RenderedChart.render(List.of("strimzi"), Map.of());
        Map<String, ServiceChannels> services = ChartTopology.services(RenderedChart.home());
        int consoleGroups = 0;
        for (Map.Entry<String, ServiceChannels> service : services.entrySet()) {
            JsonNode user = chart.named("KafkaUser", "fedarch-" + service.getKey());
            assertEquals("scram-sha-512", user.path("spec").path("authentication").path("type").asText());
            SortedSet<String> reads = new TreeSet<>();
            SortedSet<String> writes = new TreeSet<>();
            SortedSet<String> groups = new TreeSet<>();
            for (JsonNode acl : list(user.path("spec").path("authorization").path("acls"))) {
                JsonNode resource = acl.path("resource");
                List<String> operations = list(acl.path("operations")).stream().map(JsonNode::asText).toList();
                String name = resource.path("name").asText();
                if (resource.path("patternType").asText().equals("prefix")) {
                    // The one exception: the coordinator's live console reads in a group of its own per instance
                    // (a random suffix, so every replica sees every event), named by this prefix; it only reads.
                    assertEquals("coordinator", service.getKey(), "no wildcards for services");
                    assertEquals("group", resource.path("type").asText());
                    assertEquals(CONSOLE_GROUP_PREFIX, name);
                    assertEquals(List.of("Read"), operations);
                    consoleGroups++;
                    continue;
                }
                assertEquals("literal", resource.path("patternType").asText(), "no wildcards for services");
                if (resource.path("type").asText().equals("group")) {
                    groups.add(name);
                    assertEquals(List.of("Read"), operations);
                } else if (resource.path("type").asText().equals("transactionalId")) {
                    // The coordinator's transactions (outputs, checkpoint and offsets together) and nobody else's.
                    assertEquals("coordinator", service.getKey());
                    assertEquals("fedarch-coordinator", name);
                    assertEquals(List.of("Write", "Describe"), operations);
                } else if (operations.contains("Write")) {
                    writes.add(name);
                    assertEquals(List.of("Write", "Describe"), operations);
                } else {
                    reads.add(name);
                    assertEquals(List.of("Read", "Describe"), operations);
                }
            }
            assertEquals(service.getValue().reads(), reads, service.getKey() + " reads");
            assertEquals(service.getValue().writes(), writes, service.getKey() + " writes");
            assertEquals(service.getValue().groups(), groups, service.getKey() + " groups");
        }
        assertEquals(1, consoleGroups, "the coordinator's console may read in its own groups");
        JsonNode worker = chart.named("KafkaUser", "fedarch-worker");
        assertFalse(worker.toString().contains(Topics.GLOBAL_MODELS), "a worker cannot write (or read) global models");
        assertFalse(worker.toString().contains(Topics.COORDINATOR_STATE));
        // Every pod logs in as its own user with TLS to the cluster CA.
        for (String name : DEPLOYMENTS) {
            JsonNode c = container(chart.named("Deployment", name));
            String service = name.replace("fedarch-", "").replace("-cpu", "");
            JsonNode jaas = list(c.path("env")).stream().filter(e -> e.path("name").asText().equals("KAFKA_SASL_JAAS_CONFIG"))
                    .findFirst().orElseThrow();
            assertEquals("fedarch-" + service, jaas.path("valueFrom").path("secretKeyRef").path("name").asText());
            assertEquals("SASL_SSL", env(c).get("KAFKA_SECURITY_PROTOCOL"));
            assertEquals("PEM", env(c).get("KAFKA_SSL_TRUSTSTORE_TYPE"));
        }
    }

    @Test
    void monitoringScrapesQuarkusMetricsAndTheDashboardPlotsMetersTheServicesRegister() throws IOException {
        RenderedChart chart = RenderedChart.render(List.of("strimzi"), Map.of());
        JsonNode monitor = chart.ofKind("ServiceMonitor").get(0);
        assertEquals("/q/metrics", monitor.path("spec").path("endpoints").get(0).path("path").asText());
        assertEquals("management", monitor.path("spec").path("endpoints").get(0).path("port").asText());
        JsonNode dashboardMap = chart.named("ConfigMap", "fedarch-dashboard");
        JsonNode dashboard = new ObjectMapper().readTree(dashboardMap.path("data").path("fedarch.json").asText());
        List<String> titles = list(dashboard.path("panels")).stream().map(p -> p.path("title").asText()).toList();
        for (String wanted : List.of("Round duration", "accuracy per round", "update size", "Consumer lag")) {
            assertTrue(titles.stream().anyMatch(t -> t.contains(wanted)), wanted + " in " + titles);
        }
        // Every fedarch_* series queried is one the services' Micrometer meters export.
        Set<String> meters = meterNames(RenderedChart.home());
        Matcher series = Pattern.compile("fedarch_[a-z_]+").matcher(dashboard.toString());
        while (series.find()) {
            String name = series.group().replaceAll("_(seconds_sum|seconds_count|seconds_max|sum|count|max|total)$", "");
            assertTrue(meters.contains(name), series.group() + " is not exported by any service (meters: " + meters + ")");
        }
    }

    @Test
    void renderedObjectsPassKubernetesKedaStrimziAndPrometheusSchemas() throws Exception {
        List<JsonNode> objects = new java.util.ArrayList<>();
        objects.addAll(RenderedChart.render(List.of(), Map.of()).objects());
        objects.addAll(RenderedChart.render(List.of("gpu"), Map.of("autoscaling.mode", "none")).objects());
        objects.addAll(RenderedChart.render(List.of("strimzi", "gpu"), Map.of()).objects());
        String report = SchemaValidator.validate(objects);
        assertEquals(objects.size(), report.lines().filter(l -> l.startsWith("valid ")).count(), report);
        // The validator can fail: a Deployment with a word for its replica count is refused.
        JsonNode broken = objects.stream().filter(o -> o.path("kind").asText().equals("Deployment")).findFirst()
                .orElseThrow().deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) broken.path("spec")).put("replicas", "two");
        AssertionError refused = assertThrows(AssertionError.class, () -> SchemaValidator.validate(List.of(broken)));
        assertTrue(refused.getMessage().contains("INVALID"), refused.getMessage());
    }

    /** Micrometer meter names in the services' sources, in Prometheus form ("fedarch.round.duration" → fedarch_round_duration). */
    private static Set<String> meterNames(Path home) throws IOException {
        Set<String> names = new TreeSet<>();
        Pattern meter = Pattern.compile("\"(fedarch\\.[a-z.]+)\"");
        for (String module : List.of("coordinator-service", "worker-service", "pruning-service", "service-support")) {
            try (Stream<Path> files = Files.walk(home.resolve(module).resolve("src/main/java"))) {
                for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                    Matcher m = meter.matcher(Files.readString(file));
                    while (m.find()) {
                        names.add(m.group(1).replace('.', '_'));
                    }
                }
            }
        }
        return names;
    }

    static Map<String, String> env(JsonNode container) {
        Map<String, String> env = new HashMap<>();
        for (JsonNode e : list(container.path("env"))) {
            if (e.has("value")) {
                env.put(e.path("name").asText(), e.path("value").asText());
            }
        }
        return env;
    }
}
