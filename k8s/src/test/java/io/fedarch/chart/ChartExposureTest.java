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
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What the chart exposes and how it holds up (review findings H6, M11, L6): the coordinator's REST API
 * wants a token that only a Secret holds; only the sources an operator names reach the API port, and
 * scrapers and probes use the management port; durable topics need two in-sync replicas; a node drain
 * is never blocked.
 */
class ChartExposureTest {
    private static final int API_PORT = 8080;
    private static final int MANAGEMENT_PORT = 9000;

    @Test
    void theCoordinatorTakesItsApiTokenFromASecretNeverFromValues() {
        JsonNode byDefault = tokenVariable(RenderedChart.render(List.of(), Map.of()), "fedarch-coordinator").orElseThrow(
                () -> new AssertionError("the coordinator gets FEDARCH_API_TOKEN"));
        assertFalse(byDefault.has("value"), "no token in the manifest: " + byDefault);
        JsonNode ref = byDefault.path("valueFrom").path("secretKeyRef");
        assertEquals("fedarch-api", ref.path("name").asText(), "the release's API Secret when none is named");
        assertEquals("token", ref.path("key").asText());
        assertTrue(ref.path("optional").asBoolean(), "without the Secret the coordinator runs; its API refuses everything");

        RenderedChart named = RenderedChart.render(List.of(), Map.of("api.existingSecret", "ops-api", "api.tokenKey", "t"));
        JsonNode explicit = tokenVariable(named, "fedarch-coordinator").orElseThrow().path("valueFrom").path("secretKeyRef");
        assertEquals("ops-api", explicit.path("name").asText());
        assertEquals("t", explicit.path("key").asText());
        assertFalse(explicit.path("optional").asBoolean(false), "a Secret the operator named must exist (a typo fails the pod)");

        for (String other : List.of("fedarch-worker-cpu", "fedarch-pruning")) {
            assertTrue(tokenVariable(named, other).isEmpty(), other + " serves no API and gets no token");
        }
        Exception inValues = assertThrows(Exception.class,
                () -> RenderedChart.render(List.of(), Map.of("api.token", "in-plain-sight")));
        assertTrue(inValues.getMessage().contains("token"), inValues.getMessage());
    }

    @TempDir
    Path work;

    @Test
    void noNetworkPolicyAdmitsEverySourceAndTheApiPortOnlyTheNamedOnes() throws IOException {
        RenderedChart defaults = RenderedChart.render(List.of("gpu"), Map.of());
        assertEquals(3, defaults.ofKind("NetworkPolicy").size());
        for (JsonNode policy : defaults.ofKind("NetworkPolicy")) {
            for (JsonNode rule : list(policy.path("spec").path("ingress"))) {
                assertFalse(ports(rule).contains(API_PORT), name(policy) + ": by default nobody reaches the API port");
                assertEquals(List.of(MANAGEMENT_PORT), ports(rule), name(policy));
                assertEquals("monitoring", rule.path("from").get(0).path("namespaceSelector").path("matchLabels")
                        .path("kubernetes.io/metadata.name").asText(), name(policy) + ": the monitoring namespace scrapes");
            }
        }
        // Empty lists mean no ingress at all, never "from everywhere" (an ingress rule without 'from').
        Path emptyLists = Files.writeString(work.resolve("closed.yaml"),
                "networkPolicy:\n  monitoringFrom: []\n  apiFrom: []\n");
        RenderedChart closed = RenderedChart.render(List.of(), List.of(emptyLists), Map.of());
        for (JsonNode policy : closed.ofKind("NetworkPolicy")) {
            assertEquals(List.of("Ingress", "Egress"), list(policy.path("spec").path("policyTypes")).stream()
                    .map(JsonNode::asText).toList());
            assertEquals(0, policy.path("spec").path("ingress").size(), name(policy) + ": " + policy.path("spec"));
        }
        RenderedChart operators = RenderedChart.render(List.of(),
                Map.of("networkPolicy.apiFrom[0].podSelector.matchLabels.role", "job-submitter"));
        for (JsonNode policy : operators.ofKind("NetworkPolicy")) {
            for (JsonNode rule : list(policy.path("spec").path("ingress"))) {
                assertFalse(rule.path("from").isMissingNode() || rule.path("from").isEmpty(), name(policy) + ": " + rule);
                if (ports(rule).contains(API_PORT)) {
                    assertEquals("fedarch-coordinator", name(policy), "only the coordinator serves an API");
                    assertEquals(List.of(API_PORT), ports(rule), "the API sources reach the API port only");
                    assertEquals("job-submitter", rule.path("from").get(0).path("podSelector").path("matchLabels")
                            .path("role").asText());
                }
            }
        }
        assertTrue(list(operators.named("NetworkPolicy", "fedarch-coordinator").path("spec").path("ingress")).stream()
                .anyMatch(r -> ports(r).contains(API_PORT)), "the named sources are let in");
    }

    @Test
    void probesAndScrapingUseTheManagementPort() {
        RenderedChart chart = RenderedChart.render(List.of("gpu", "strimzi"), Map.of());
        for (JsonNode deployment : chart.ofKind("Deployment")) {
            JsonNode c = container(deployment);
            JsonNode management = list(c.path("ports")).stream().filter(p -> p.path("name").asText().equals("management"))
                    .findFirst().orElseThrow(() -> new AssertionError(name(deployment) + " declares a management port"));
            assertEquals(MANAGEMENT_PORT, management.path("containerPort").asInt());
            assertEquals(String.valueOf(MANAGEMENT_PORT), env(c).get("QUARKUS_MANAGEMENT_PORT"),
                    name(deployment) + " listens where the probes look");
            for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                assertEquals(MANAGEMENT_PORT, c.path(probe).path("httpGet").path("port").asInt(), name(deployment) + " " + probe);
            }
        }
        JsonNode endpoint = chart.ofKind("ServiceMonitor").get(0).path("spec").path("endpoints").get(0);
        assertEquals("management", endpoint.path("port").asText());
        assertEquals("/q/metrics", endpoint.path("path").asText());
        for (JsonNode service : chart.ofKind("Service")) {
            assertTrue(list(service.path("spec").path("ports")).stream().anyMatch(p -> p.path("name").asText()
                    .equals("management")), name(service) + " offers the management port to the ServiceMonitor");
        }
    }

    @Test
    void topicsWithThreeReplicasNeedTwoInSync() {
        RenderedChart chart = RenderedChart.render(List.of("strimzi"), Map.of());
        assertFalse(chart.ofKind("KafkaTopic").isEmpty());
        for (JsonNode topic : chart.ofKind("KafkaTopic")) {
            assertEquals(3, topic.path("spec").path("replicas").asInt());
            assertEquals("2", topic.path("spec").path("config").path("min.insync.replicas").asText(),
                    topic.path("spec").path("topicName").asText() + ": acks=all must mean two copies");
        }
        for (String durable : List.of("fedarch.coordinator-state", "fedarch.client-updates", "fedarch.jobs")) {
            assertTrue(chart.ofKind("KafkaTopic").stream().anyMatch(t -> t.path("spec").path("topicName").asText()
                    .equals(durable)), durable);
        }
        // Fewer replicas: at most all but one must be in sync, so one broker down never stops every write.
        RenderedChart small = RenderedChart.render(List.of("strimzi"), Map.of("kafka.topics.replicas", 2));
        for (JsonNode topic : small.ofKind("KafkaTopic")) {
            assertEquals("1", topic.path("spec").path("config").path("min.insync.replicas").asText("1"));
        }
    }

    @Test
    void disruptionBudgetsLetADrainEvictEveryPod() {
        RenderedChart chart = RenderedChart.render(List.of("gpu"), Map.of());
        assertEquals(4, chart.ofKind("PodDisruptionBudget").size());
        for (JsonNode budget : chart.ofKind("PodDisruptionBudget")) {
            JsonNode spec = budget.path("spec");
            assertFalse(spec.has("minAvailable"), name(budget));
            assertTrue(spec.path("maxUnavailable").asInt() >= 1,
                    name(budget) + ": maxUnavailable " + spec.path("maxUnavailable") + " would block node drains");
        }
    }

    private static Optional<JsonNode> tokenVariable(RenderedChart chart, String deployment) {
        return list(container(chart.named("Deployment", deployment)).path("env")).stream()
                .filter(e -> e.path("name").asText().equals("FEDARCH_API_TOKEN")).findFirst();
    }

    private static List<Integer> ports(JsonNode rule) {
        return list(rule.path("ports")).stream().map(p -> p.path("port").asInt()).toList();
    }

    private static String name(JsonNode object) {
        return object.path("metadata").path("name").asText();
    }

    private static Map<String, String> env(JsonNode container) {
        Map<String, String> env = new java.util.HashMap<>();
        list(container.path("env")).forEach(e -> env.put(e.path("name").asText(), e.path("value").asText()));
        return env;
    }
}
