package io.fedarch.chart;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * podman as this project's machines run it (k8s/images/build.sh does the same): the runc runtime and
 * cgroupfs, because there is no systemd, and k8s/images/containers.conf, which clears the default
 * ulimits podman would otherwise fail to set. Every call has a time limit and returns its output.
 */
final class Podman {
    private final Path home;

    private Podman(Path home) {
        this.home = home;
    }

    /** podman on this machine, or an error saying how to get it ({@code ./fedarch test} installs it). */
    static Podman onThisMachine(Path home) {
        Podman podman = new Podman(home);
        Result version;
        try {
            version = podman.run(60, "version", "--format", "{{.Client.Version}}");
        } catch (IllegalStateException e) {
            throw new AssertionError("podman is needed to run the chart's pods (./fedarch test installs it: "
                    + "apt-get install podman runc debootstrap): " + e.getMessage(), e);
        }
        if (version.exitCode() != 0) {
            throw new AssertionError("podman does not run here: " + version.output());
        }
        return podman;
    }

    record Result(int exitCode, String output) {
        Result orFail(String what) {
            if (exitCode != 0) {
                throw new AssertionError(what + " failed (exit " + exitCode + "):\n" + output);
            }
            return this;
        }
    }

    /** Runs {@code podman args...}; stdout and stderr together. */
    Result run(int timeoutSeconds, String... args) {
        List<String> command = new ArrayList<>(List.of("podman", "--runtime", "runc", "--cgroup-manager=cgroupfs"));
        command.addAll(List.of(args));
        return exec(command, timeoutSeconds);
    }

    /**
     * Creates (or replaces) a secret that a pod's {@code secretKeyRef} reads, as {@code kubectl create secret
     * generic NAME --from-literal=key=value} would on a cluster: podman 4.3 looks the key up in the secret's
     * content read as a JSON object of base64 values.
     */
    void createSecret(String name, Map<String, String> entries) {
        Map<String, String> encoded = new java.util.TreeMap<>();
        entries.forEach((key, value) ->
                encoded.put(key, Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))));
        try {
            Path content = Files.createTempFile("podman-secret", ".json");
            try {
                Files.writeString(content, new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(encoded));
                run(30, "secret", "rm", name);
                run(30, "secret", "create", name, content.toString()).orFail("podman secret create " + name);
            } finally {
                Files.deleteIfExists(content);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Runs any command from the repository root with podman's settings in its environment (the image build). */
    Result exec(List<String> command, int timeoutSeconds) {
        try {
            Path output = Files.createTempFile("podman", ".out");
            try {
                ProcessBuilder builder = new ProcessBuilder(command).directory(home.toFile())
                        .redirectErrorStream(true).redirectOutput(output.toFile());
                builder.environment().put("CONTAINERS_CONF", home.resolve("k8s/images/containers.conf").toString());
                Process process = builder.start();
                if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor();
                    throw new AssertionError(String.join(" ", command) + " ran past " + timeoutSeconds + " s:\n"
                            + Files.readString(output, StandardCharsets.UTF_8));
                }
                return new Result(process.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command, e);
        }
    }
}
