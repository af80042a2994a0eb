package io.fedarch.chart;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * What {@code podman kube play} gets from the rendered chart: its Deployments and ConfigMaps. Two
 * changes, both for podman 4.3 alone (Debian 12's):
 * <ul>
 * <li>the containers' {@code ports} are dropped: podman refuses container ports in a pod on the host's
 * network; there they only name the ports the services already listen on, and the probes use numbers;</li>
 * <li>each pod's {@code emptyDir} volumes get names of their own ({@code <deployment>-<volume>}): podman
 * makes an emptyDir a named volume called after the volume, so every pod's {@code tmp} would be one
 * directory shared by all pods and kept after {@code kube down}; {@link #emptyDirVolumes()} lists them
 * for removal.</li>
 * </ul>
 * The Secrets the chart refers to are not in the manifest: podman 4.3 stores a {@code kind: Secret}
 * document in a form its own {@code secretKeyRef} cannot read, so they are made with
 * {@code podman secret create} ({@link Podman#createSecret}).
 */
final class KubePlayManifest {
    /** The kinds podman runs; Services, NetworkPolicies, PDBs, autoscalers and the ServiceAccount need a cluster. */
    static final Set<String> PLAYED_KINDS = Set.of("Deployment", "ConfigMap");
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final List<JsonNode> documents = new ArrayList<>();
    private final List<String> emptyDirVolumes = new ArrayList<>();

    KubePlayManifest(RenderedChart chart) {
        for (JsonNode object : chart.objects()) {
            if (PLAYED_KINDS.contains(object.path("kind").asText())) {
                JsonNode copy = object.deepCopy();
                if (copy.path("kind").asText().equals("Deployment")) {
                    adaptPod(copy.path("metadata").path("name").asText(), copy.path("spec").path("template").path("spec"));
                }
                documents.add(copy);
            }
        }
    }

    private void adaptPod(String deployment, JsonNode pod) {
        Map<String, String> renamed = new java.util.HashMap<>();
        for (JsonNode volume : pod.path("volumes")) {
            if (volume.has("emptyDir")) {
                String own = deployment + "-" + volume.path("name").asText();
                renamed.put(volume.path("name").asText(), own);
                ((ObjectNode) volume).put("name", own);
                emptyDirVolumes.add(own);
            }
        }
        for (JsonNode container : pod.path("containers")) {
            ((ObjectNode) container).remove("ports");
            for (JsonNode mount : container.path("volumeMounts")) {
                String own = renamed.get(mount.path("name").asText());
                if (own != null) {
                    ((ObjectNode) mount).put("name", own);
                }
            }
        }
    }

    List<JsonNode> documents() {
        return documents;
    }

    /** The podman volumes the pods' emptyDirs become; {@code kube down} leaves them behind. */
    List<String> emptyDirVolumes() {
        return emptyDirVolumes;
    }

    /** Writes the documents as one multi-document YAML file. */
    Path writeTo(Path file) {
        StringBuilder yaml = new StringBuilder();
        try {
            for (JsonNode document : documents) {
                yaml.append(YAML.writeValueAsString(document));
            }
            Files.createDirectories(file.getParent());
            return Files.writeString(file, yaml.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
