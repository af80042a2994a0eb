package io.fedarch.chart;

import static io.fedarch.chart.RenderedChart.container;
import static io.fedarch.chart.RenderedChart.list;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * objectStore.*: the pruning service delivers to an S3-compatible store, configured through its
 * environment with the key pair from an existing Secret; its exports volume is then scratch only and
 * its NetworkPolicy lets it reach the store.
 */
class ChartObjectStoreTest {
    private static final Map<String, Object> ON = Map.of(
            "objectStore.enabled", true, "objectStore.endpoint", "http://minio.storage:9000",
            "objectStore.bucket", "models", "objectStore.existingSecret", "fedarch-object-store",
            "objectStore.egressPorts[0]", 9000, "pruning.exports.persistentVolumeClaim", "fedarch-models");

    private static Map<String, JsonNode> pruningEnv(RenderedChart chart) {
        Map<String, JsonNode> env = new LinkedHashMap<>();
        for (JsonNode variable : list(container(chart.named("Deployment", "fedarch-pruning")).path("env"))) {
            env.put(variable.path("name").asText(), variable);
        }
        return env;
    }

    private static JsonNode exportsVolume(RenderedChart chart) {
        return list(chart.named("Deployment", "fedarch-pruning").path("spec").path("template").path("spec")
                .path("volumes")).stream().filter(v -> v.path("name").asText().equals("exports")).findFirst().orElseThrow();
    }

    @Test
    void onItConfiguresTheS3StoreWithTheSecretsKeysAndTheVolumeIsScratch() {
        RenderedChart chart = RenderedChart.render(List.of(), ON);
        Map<String, JsonNode> env = pruningEnv(chart);
        assertEquals("s3", env.get("FEDARCH_EXPORT_STORE").path("value").asText());
        assertEquals("http://minio.storage:9000", env.get("FEDARCH_EXPORT_S3_ENDPOINT").path("value").asText());
        assertEquals("models", env.get("FEDARCH_EXPORT_S3_BUCKET").path("value").asText());
        assertEquals("us-east-1", env.get("FEDARCH_EXPORT_S3_REGION").path("value").asText());
        assertEquals("fedarch", env.get("FEDARCH_EXPORT_S3_PREFIX").path("value").asText());
        assertEquals("true", env.get("FEDARCH_EXPORT_S3_PATH_STYLE").path("value").asText());
        for (Map.Entry<String, String> key : Map.of("FEDARCH_EXPORT_S3_ACCESS_KEY_ID", "accessKeyId",
                "FEDARCH_EXPORT_S3_SECRET_ACCESS_KEY", "secretAccessKey").entrySet()) {
            JsonNode ref = env.get(key.getKey()).path("valueFrom").path("secretKeyRef");
            assertEquals("fedarch-object-store", ref.path("name").asText(), key.getKey());
            assertEquals(key.getValue(), ref.path("key").asText(), key.getKey());
            assertTrue(env.get(key.getKey()).path("value").isMissingNode(), "no key in the manifest");
        }
        assertTrue(exportsVolume(chart).has("emptyDir"), "scratch only, even with a claim set: " + exportsVolume(chart));

        JsonNode policy = chart.named("NetworkPolicy", "fedarch-pruning");
        assertTrue(list(policy.path("spec").path("egress")).stream().anyMatch(rule -> list(rule.path("ports")).stream()
                .anyMatch(p -> p.path("port").asInt() == 9000)), "egress to the store: " + policy);
        JsonNode coordinatorPolicy = chart.named("NetworkPolicy", "fedarch-coordinator");
        assertTrue(list(coordinatorPolicy.path("spec").path("egress")).stream().noneMatch(rule -> list(rule.path("ports"))
                .stream().anyMatch(p -> p.path("port").asInt() == 9000)), "only the pruning service reaches the store");
    }

    @Test
    void offNothingChangesAndTheClaimIsUsed() {
        RenderedChart chart = RenderedChart.render(List.of(), Map.of("pruning.exports.persistentVolumeClaim", "fedarch-models"));
        assertTrue(pruningEnv(chart).keySet().stream().noneMatch(name -> name.startsWith("FEDARCH_EXPORT_S")),
                String.valueOf(pruningEnv(chart).keySet()));
        assertEquals("fedarch-models", exportsVolume(chart).path("persistentVolumeClaim").path("claimName").asText());
    }

    @Test
    void onWithoutABucketOrWithABadOneFailsAtInstallTime() {
        Exception noBucket = assertThrows(Exception.class,
                () -> RenderedChart.render(List.of(), Map.of("objectStore.enabled", true)));
        assertTrue(noBucket.getMessage().contains("objectStore.bucket"), noBucket.getMessage());
        Exception badBucket = assertThrows(Exception.class, () -> RenderedChart.render(List.of(),
                Map.of("objectStore.enabled", true, "objectStore.bucket", "Not_A_Bucket")));
        assertTrue(badBucket.getMessage().contains("bucket"), badBucket.getMessage());
    }
}
