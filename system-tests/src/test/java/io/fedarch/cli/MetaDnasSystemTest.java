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
import io.fedarch.core.darts.DerivedFamily;
import io.fedarch.core.darts.DerivedOptions;
import io.fedarch.core.darts.Genotype;
import io.fedarch.core.export.SafetensorsReader;
import io.fedarch.core.model.ModelInitializer;
import io.fedarch.core.model.ModelSummary;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelReady;
import io.fedarch.events.ModelScope;
import io.fedarch.events.ModelSpec;
import io.fedarch.events.SearchStatus;

/**
 * Meta-DNAS through the real services ({@code examples/metadnas-tiny.yaml}): every client — the
 * held-out one, which never trained, included — gets a CLIENT model-ready event whose model is its
 * own derived network (genotype, cost and weights checked from the files alone), the meta-genotype is
 * the global model, and a coordinator killed with SIGKILL in round 2 resumes from its checkpoint with
 * the meta-learner's Adam moments intact: the same final server state, meta-model and per-client
 * architectures as the undisturbed run.
 */
class MetaDnasSystemTest {
    @TempDir
    static Path runDir;
    private static LocalStack stack;
    private static JobFile job;

    @BeforeAll
    static void startStack() {
        Path home = Path.of(System.getProperty("fedarch.home", "..")).toAbsolutePath().normalize();
        stack = LocalStack.start(new StackOptions(home, runDir, 2, DatasetCheck.DEFAULT_DIR), System.out);
        job = JobFile.read(home.resolve("examples/metadnas-tiny.yaml"));
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void everyClientIncludingTheHeldOutOneGetsItsOwnDerivedNetwork() throws Exception {
        JobSpec spec = job.spec();
        // Half the example's images: what is checked here (every client's own network, bit-identical
        // resumption) does not depend on how well it trains, and the test runs twice.
        spec.getData().setTrainLimit(spec.getData().getTrainLimit() / 2);
        spec.getData().setTestLimit(spec.getData().getTestLimit() / 2);
        JobOutcome calm = run(spec, false);
        assertEquals(SearchStatus.SUCCEEDED, calm.completion().getStatus());
        assertEquals(spec.getRounds(), calm.rounds().size());
        DartsOptions options = DartsOptions.parse(spec.getModel().getOptions());
        ObjectMapper json = new ObjectMapper();

        List<ModelReady> clients = calm.clientModels();
        assertEquals(List.of(0, 1, 2, 3), clients.stream().map(ModelReady::getClientId).sorted().toList());
        for (ModelReady client : clients) {
            int id = client.getClientId();
            assertEquals(ModelScope.CLIENT, client.getScope());
            Genotype genotype = Genotype.fromJson(client.getArchitecture()).validate();
            ModelSpec derived = DerivedOptions.modelSpec(options, genotype);
            ModelSummary summary = ModelSummary.of(derived);
            assertEquals(summary.parameters(), client.getParameterCount(), "client " + id);
            assertEquals(summary.macs(), client.getMacs(), "client " + id);
            assertTrue(client.getMacs() < ModelSummary.of(spec.getModel()).macs(), "a derived network, not the supernet");
            Path dir = Path.of(client.getArtifactUri());
            for (String name : List.of("genotype.json", "cells.svg", "model.safetensors", "model.json", "architecture.json")) {
                assertTrue(Files.size(dir.resolve(name)) > 0, name);
            }
            assertEquals(genotype, Genotype.fromJson(Files.readString(dir.resolve("genotype.json"))));
            JsonNode description = json.readTree(dir.resolve("model.json").toFile());
            assertEquals(DerivedFamily.NAME, description.get("model").get("family").asText());
            ModelInitializer.initialize(derived, 0).requireCompatible(
                    SafetensorsReader.read(dir.resolve("model.safetensors")).parameters());
            assertEquals(id == 3 ? 1.0 : 0.0, client.getMetrics().get("heldOut"), "client " + id);
            assertTrue(client.getMetrics().containsKey("macsBudget"), "its device tier's budget");
            assertTrue(client.getMetrics().containsKey("parameterFreeShare"));
            assertTrue(client.getMetrics().containsKey("globalLocalTestAccuracy"));
            assertTrue(client.getTestAccuracy() >= 0 && client.getTestAccuracy() <= 1);
        }
        ModelReady global = calm.globalModel();
        Genotype.fromJson(global.getArchitecture()).validate();
        assertTrue(Files.size(Path.of(global.getArtifactUri(), "genotype.json")) > 0, "the meta-genotype");

        JobOutcome disturbed = run(spec, true);
        assertEquals(SearchStatus.SUCCEEDED, disturbed.completion().getStatus());
        assertEquals(calm.rounds().get(spec.getRounds() - 1).getStrategyState(),
                disturbed.rounds().get(spec.getRounds() - 1).getStrategyState(),
                "the meta-learner's Adam moments and step count are bit-identical");
        assertEquals(calm.rounds().get(spec.getRounds() - 1).getModelState(),
                disturbed.rounds().get(spec.getRounds() - 1).getModelState(), "the final meta-model is bit-identical");
        assertEquals(architectures(calm), architectures(disturbed),
                "every client ends with the architecture of the undisturbed run");
        System.out.println("per-client genotypes after the coordinator kill equal the undisturbed run's: "
                + architectures(disturbed));
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
