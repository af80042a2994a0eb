package io.fedarch.chart;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;

/** The chart in k8s/ rendered by Helm itself ({@code helm template}), as parsed Kubernetes objects. */
record RenderedChart(List<JsonNode> objects) {
    static final String RELEASE = "fedarch";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    static Path home() {
        return Path.of(System.getProperty("fedarch.home", "..")).toAbsolutePath().normalize();
    }

    static Path chart() {
        return home().resolve("k8s");
    }

    /** Renders with the chart's defaults, then each values file (a profile under k8s/profiles), then {@code sets}. */
    static RenderedChart render(List<String> profiles, Map<String, Object> sets) {
        return render(profiles, List.of(), sets);
    }

    /** As {@link #render(List, Map)} with more values files after the profiles (for values --set cannot express). */
    static RenderedChart render(List<String> profiles, List<Path> valuesFiles, Map<String, Object> sets) {
        TemplateCommand template = new Helm(chart()).template().withName(RELEASE).withNamespace("fedarch");
        for (String profile : profiles) {
            template.withValuesFile(chart().resolve("profiles").resolve(profile + ".yaml"));
        }
        valuesFiles.forEach(template::withValuesFile);
        sets.forEach(template::set);
        String manifest = template.call();
        List<JsonNode> objects = new ArrayList<>();
        try (var parser = YAML.getFactory().createParser(manifest)) {
            var documents = YAML.readValues(parser, JsonNode.class);
            while (documents.hasNext()) {
                JsonNode document = documents.next();
                if (document != null && !document.isNull() && document.has("kind")) {
                    objects.add(document);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("helm template gave unparseable YAML:\n" + manifest, e);
        }
        return new RenderedChart(objects);
    }

    List<JsonNode> ofKind(String kind) {
        return objects.stream().filter(o -> o.path("kind").asText().equals(kind)).toList();
    }

    JsonNode named(String kind, String name) {
        return ofKind(kind).stream().filter(o -> o.path("metadata").path("name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " " + name + " in " + names()));
    }

    List<String> names() {
        return objects.stream().map(o -> o.path("kind").asText() + "/" + o.path("metadata").path("name").asText())
                .toList();
    }

    /** The single container of a Deployment. */
    static JsonNode container(JsonNode deployment) {
        JsonNode containers = deployment.path("spec").path("template").path("spec").path("containers");
        if (containers.size() != 1) {
            throw new AssertionError("expected one container in " + deployment.path("metadata").path("name"));
        }
        return containers.get(0);
    }

    static List<JsonNode> list(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).toList();
    }
}
