package io.fedarch.chart;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Validates Kubernetes objects offline with the npm packages {@code kubernetes-models} and the
 * KEDA, Strimzi and Prometheus Operator models (k8s/src/test/node). The packages are
 * installed by the first test that needs them ({@code npm ci} from the committed lock file).
 */
final class SchemaValidator {
    private SchemaValidator() {
    }

    /**
     * @return the validator's report, one line per object
     * @throws AssertionError when an object is invalid (the report says which and why)
     */
    static String validate(List<JsonNode> objects) throws IOException, InterruptedException {
        Path tool = RenderedChart.home().resolve("k8s/src/test/node");
        if (!Files.isDirectory(tool.resolve("node_modules"))) {
            run(tool, "npm", "ci", "--no-audit", "--no-fund");
        }
        Path input = Files.createTempFile("fedarch-objects", ".json");
        try {
            new ObjectMapper().writeValue(input.toFile(), objects);
            return run(tool, "node", "validate-manifests.mjs", input.toString());
        } finally {
            Files.deleteIfExists(input);
        }
    }

    private static String run(Path directory, String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(300, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in 300 s");
        }
        if (process.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed:\n" + output);
        }
        return output;
    }
}
