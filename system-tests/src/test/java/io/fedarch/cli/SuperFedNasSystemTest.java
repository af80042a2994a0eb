package io.fedarch.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

import io.fedarch.core.algorithms.superfednas.SuperFedNas;
import io.fedarch.core.export.SafetensorsReader;
import io.fedarch.core.ofa.ElasticOptions;
import io.fedarch.core.ofa.SubnetConfig;
import io.fedarch.core.ofa.SubnetExtraction;
import io.fedarch.core.ofa.SubnetLayout;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelReady;
import io.fedarch.events.SearchStatus;

/**
 * SuperFedNAS through the real services ({@code examples/superfednas-tiny.yaml}): the job lists MACs
 * budgets and gets one BUDGET model-ready per budget, each within its budget, its cost recomputed
 * from its architecture alone, its weights exactly the supernet's slices (no retraining); the
 * accuracy-vs-MACs table lists the canonical subnets and the chosen ones. A coordinator killed with
 * SIGKILL in a training round resumes from its checkpoint with Tracking-Sandwich's counters and the
 * evolution's archive intact: the same supernet and the same subnet per budget as the undisturbed run.
 */
class SuperFedNasSystemTest {
    @TempDir
    static Path runDir;
    private static LocalStack stack;
    private static JobFile job;

    @BeforeAll
    static void startStack() {
        Path home = Path.of(System.getProperty("fedarch.home", "..")).toAbsolutePath().normalize();
        stack = LocalStack.start(new StackOptions(home, runDir, 2, DatasetCheck.DEFAULT_DIR), System.out);
        job = JobFile.read(home.resolve("examples/superfednas-tiny.yaml"));
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void oneModelPerBudgetWithinItCutFromTheSupernetAndAKilledCoordinatorResumesIntact() throws Exception {
        JobSpec spec = job.spec();
        JobOutcome calm = run(spec, false);
        assertEquals(SearchStatus.SUCCEEDED, calm.completion().getStatus());
        assertEquals(spec.getRounds(), calm.rounds().size());

        ElasticOptions options = ElasticOptions.parse(spec.getModel().getOptions());
        List<Long> budgets = SuperFedNas.budgets(spec);
        List<ModelReady> models = calm.budgetModels();
        assertEquals(budgets.stream().sorted().toList(), models.stream().map(ModelReady::getMacsBudget).toList());
        ModelReady global = calm.globalModel();
        ModelParameters supernet = SafetensorsReader.read(Path.of(global.getArtifactUri(), "model.safetensors"))
                .parameters();
        ObjectMapper json = new ObjectMapper();
        for (ModelReady model : models) {
            assertTrue(model.getMacs() <= model.getMacsBudget(), model.getMacs() + " > " + model.getMacsBudget());
            SubnetConfig subnet = SubnetConfig.decode(json.readTree(model.getArchitecture()).get("encoding").asText());
            SubnetLayout layout = SubnetLayout.of(options, subnet);
            assertEquals(layout.macs(), model.getMacs());
            assertEquals(layout.parameters(), model.getParameterCount());
            for (String name : List.of("architecture.json", "model.safetensors", "model.json")) {
                assertTrue(Files.size(Path.of(model.getArtifactUri(), name)) > 0, name);
            }
            JsonNode description = json.readTree(Path.of(model.getArtifactUri(), "model.json").toFile());
            assertEquals("ofa-resnet-subnet", description.get("model").get("family").asText());
            ModelParameters weights = SafetensorsReader.read(Path.of(model.getArtifactUri(), "model.safetensors"))
                    .parameters();
            ModelParameters cut = SubnetExtraction.cut(options, subnet, supernet);
            assertEquals(cut.names(), weights.names());
            for (NamedTensor t : cut.tensors()) {
                assertArrayEquals(t.values(), weights.get(t.name()).values(), "weights of " + t.name()
                        + " are the supernet's slice");
            }
            double validation = model.getMetrics().get("validationAccuracy");
            assertTrue(validation > 0 && validation <= 1, "the search scored it: " + validation);
            assertTrue(model.getTestAccuracy() >= 0 && model.getTestAccuracy() <= 1);
        }
        Path search = Path.of(global.getArtifactUri()).getParent().resolve("search");
        List<String> pareto = Files.readAllLines(search.resolve("pareto.csv"));
        assertEquals(1 + 5 + budgets.size(), pareto.size(), String.join("\n", pareto));
        assertTrue(Files.readString(search.resolve("pareto.svg")).contains("<polyline"));
        assertTrue(Files.readAllLines(search.resolve("evolution.csv")).size() > 1);
        int trainingRounds = SuperFedNas.trainingRounds(spec);
        assertEquals(trainingRounds * spec.getClientsPerRound(), global.getMetrics().get("trainingClientRounds"));
        assertTrue(global.getMetrics().get("clientTrainingMacs") > 0);
        assertTrue(global.getMetrics().get("subnetLinkBytes")
                < 2 * global.getMetrics().get("supernetBytes") * trainingRounds * spec.getClientsPerRound());

        JobOutcome disturbed = run(spec, true);
        assertEquals(SearchStatus.SUCCEEDED, disturbed.completion().getStatus());
        assertEquals(architectures(calm), architectures(disturbed), "every budget gets the undisturbed run's subnet");
        assertEquals(calm.rounds().get(spec.getRounds() - 1).getStrategyState(),
                disturbed.rounds().get(spec.getRounds() - 1).getStrategyState(),
                "the counters and the evolution archive are bit-identical");
        assertEquals(calm.rounds().get(spec.getRounds() - 1).getModelState(),
                disturbed.rounds().get(spec.getRounds() - 1).getModelState(), "the final supernet is bit-identical");
        System.out.println("per-budget subnets after the coordinator kill equal the undisturbed run's: "
                + architectures(disturbed));
    }

    private static Map<Long, String> architectures(JobOutcome outcome) {
        Map<Long, String> byBudget = new TreeMap<>();
        outcome.budgetModels().forEach(m -> byBudget.put(m.getMacsBudget(), m.getArchitecture()));
        return byBudget;
    }

    private static JobOutcome run(JobSpec spec, boolean killCoordinator) throws Exception {
        return JobRuns.run(stack, spec, Duration.ofSeconds(job.timeoutSeconds()), killCoordinator ? 2 : 0);
    }
}
