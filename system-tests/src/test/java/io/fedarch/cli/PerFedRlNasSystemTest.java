package io.fedarch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fedarch.core.darts.DartsOptions;
import io.fedarch.core.darts.PathCost;
import io.fedarch.core.darts.SinglePath;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelReady;
import io.fedarch.events.ModelScope;
import io.fedarch.events.SearchStatus;

/**
 * PerFedRLNAS through the real services ({@code examples/perfedrlnas-tiny.yaml}): every client ends
 * with its own model-ready event carrying its own single-path architecture (checked from the JSON
 * alone, with its size and cost recomputed from it), the final policies are exported as a table, and
 * a coordinator killed with SIGKILL in round 2 resumes from its checkpoint with the policies intact:
 * the same final policies, supernet and per-client architectures as the undisturbed run.
 */
class PerFedRlNasSystemTest {
    @TempDir
    static Path runDir;
    private static LocalStack stack;
    private static JobFile job;

    @BeforeAll
    static void startStack() {
        Path home = Path.of(System.getProperty("fedarch.home", "..")).toAbsolutePath().normalize();
        stack = LocalStack.start(new StackOptions(home, runDir, 2, DatasetCheck.DEFAULT_DIR), System.out);
        job = JobFile.read(home.resolve("examples/perfedrlnas-tiny.yaml"));
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void everyClientGetsItsOwnArchitectureAndAKilledCoordinatorResumesWithThePoliciesIntact() throws Exception {
        JobSpec spec = job.spec();
        JobOutcome calm = run(spec, false);
        assertEquals(SearchStatus.SUCCEEDED, calm.completion().getStatus());
        assertEquals(spec.getRounds(), calm.rounds().size());

        DartsOptions options = DartsOptions.parse(spec.getModel().getOptions());
        List<ModelReady> clients = calm.clientModels();
        assertEquals(List.of(0, 1, 2, 3), clients.stream().map(ModelReady::getClientId).sorted().toList());
        ObjectMapper json = new ObjectMapper();
        for (ModelReady client : clients) {
            assertEquals(ModelScope.CLIENT, client.getScope());
            JsonNode architecture = json.readTree(client.getArchitecture());
            assertEquals("single-path", architecture.get("kind").asText());
            SinglePath path = pathOf(architecture, options);
            PathCost cost = PathCost.of(options, path);
            assertEquals(cost.parameters(), client.getParameterCount(), "client " + client.getClientId());
            assertEquals(cost.macs(), client.getMacs(), "client " + client.getClientId());
            assertTrue(client.getMetrics().containsKey("deviceTier"));
            for (String name : List.of("architecture.json", "cells.svg", "model.safetensors", "model.json")) {
                assertTrue(Files.size(Path.of(client.getArtifactUri(), name)) > 0, name);
            }
            assertTrue(client.getTestAccuracy() >= 0 && client.getTestAccuracy() <= 1);
        }
        ModelReady global = calm.globalModel();
        Path search = Path.of(global.getArtifactUri()).getParent().resolve("search");
        assertEquals(1 + 4 * 2 * 14 * 8, Files.readAllLines(search.resolve("policies.csv")).size());
        assertEquals(4.0 * spec.getRounds(), global.getMetrics().get("clientRounds"));
        assertTrue(global.getMetrics().get("meanSubnetBytesPerClientRound") < global.getMetrics().get("supernetBytes"));

        JobOutcome disturbed = run(spec, true);
        assertEquals(SearchStatus.SUCCEEDED, disturbed.completion().getStatus());
        assertEquals(architectures(calm), architectures(disturbed),
                "every client ends with the architecture of the undisturbed run");
        assertEquals(calm.rounds().get(spec.getRounds() - 1).getStrategyState(),
                disturbed.rounds().get(spec.getRounds() - 1).getStrategyState(),
                "the final policies, Adam moments and baselines are bit-identical");
        assertEquals(calm.rounds().get(spec.getRounds() - 1).getModelState(),
                disturbed.rounds().get(spec.getRounds() - 1).getModelState(), "the final supernet is bit-identical");
        System.out.println("per-client architectures after the coordinator kill equal the undisturbed run's: "
                + architectures(disturbed).keySet());
    }

    private static SinglePath pathOf(JsonNode architecture, DartsOptions options) {
        List<String> ops = options.operationNames();
        int[][] choices = new int[2][14];
        int cell = 0;
        for (String name : List.of("normal", "reduce")) {
            JsonNode edges = architecture.get(name);
            assertEquals(14, edges.size(), name);
            for (JsonNode edge : edges) {
                int from = edge.get("from").asInt();
                int node = edge.get("to").asInt() - 2;
                int index = node * (node + 3) / 2 + from;
                choices[cell][index] = ops.indexOf(edge.get("op").asText());
                assertTrue(choices[cell][index] >= 0, edge.toString());
            }
            cell++;
        }
        return new SinglePath(ops, choices[0], choices[1]);
    }

    private static Map<Integer, String> architectures(JobOutcome outcome) {
        Map<Integer, String> byClient = new TreeMap<>();
        outcome.clientModels().forEach(m -> byClient.put(m.getClientId(), m.getArchitecture()));
        return byClient;
    }

    private static JobOutcome run(JobSpec spec, boolean killCoordinator) throws Exception {
        return JobRuns.run(stack, spec, Duration.ofSeconds(job.timeoutSeconds()), killCoordinator ? 2 : 0);
    }
}
