package io.fedarch.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fedarch.cli.plugin.PerClientScheduleStrategy;
import io.fedarch.core.export.SafetensorsReader;
import io.fedarch.core.algorithms.fedavg.FedAvg;
import io.fedarch.core.strategy.ServerState;
import io.fedarch.core.strategy.ServerStateCodec;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.events.Artifact;
import io.fedarch.events.ClientTask;
import io.fedarch.events.GlobalModel;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelReady;
import io.fedarch.events.SearchStatus;
import io.fedarch.events.spec.JobSpecReader;
import io.fedarch.events.wire.TopicTap;
import io.fedarch.events.wire.Topics;

/**
 * A strategy added without touching any service: {@link PerClientScheduleStrategy}, built here as a
 * jar and put on the strategy path of a real stack (broker, coordinator, two workers, pruning
 * service as packaged JVMs). Each client must get its own instruction and payload, the server
 * state must be kept across rounds and reach no client whole, and the exported model must not carry it.
 */
class StrategyPluginEndToEndTest {
    @TempDir
    static Path runDir;

    @Test
    void aStrategyFromAJarUsesPerClientInstructionsAndServerStateThroughTheRealServices() throws Exception {
        Path plugins = Files.createDirectories(runDir.resolve("strategies"));
        pluginJar(plugins.resolve("per-client-schedule.jar"));
        Path home = Path.of(System.getProperty("fedarch.home", "..")).toAbsolutePath().normalize();
        System.setProperty("fedarch.strategy.path", plugins.toString());
        JobSpec spec = JobSpecReader.fromMap(Map.of("algorithm", PerClientScheduleStrategy.NAME,
                "model", Map.of("family", "cnn", "options", Map.of("conv1", 4, "conv2", 8, "hidden", 16)),
                "data", Map.of("partition", Map.of("scheme", "DIRICHLET", "dirichletAlpha", 0.5),
                        "trainLimit", 1500, "testLimit", 500),
                "totalClients", 3, "clientsPerRound", 3, "rounds", 3, "localEpochs", 1, "batchSize", 32,
                "learningRate", 0.06, "roundDeadlineMs", 120000));
        try (LocalStack stack = LocalStack.start(new StackOptions(home, runDir, 2, DatasetCheck.DEFAULT_DIR), System.out);
             TopicTap tap = new TopicTap(stack.bootstrapServers());
             var tasks = tap.follow(Topics.CLIENT_TASKS, ClientTask.class)) {
            JobOutcome outcome = new JobRunner(stack.bootstrapServers())
                    .run(spec, Duration.ofSeconds(600), new ConsoleProgress(System.out));

            assertEquals(SearchStatus.SUCCEEDED, outcome.completion().getStatus(), outcome.completion().getReason());
            List<ClientTask> sent = tasks.await(9, t -> t.getJobId().equals(outcome.jobId()), Duration.ofSeconds(30));
            for (ClientTask task : sent) {
                int k = task.getClientId();
                assertEquals(Double.toString(PerClientScheduleStrategy.learningRate(spec, k)),
                        task.getRoundConfig().get(FedAvg.LEARNING_RATE), "client " + k + " trains at its own rate");
                ModelParameters payload = TensorCodec.fromAvro(task.getPayload());
                assertEquals(List.of(PerClientScheduleStrategy.SELF), payload.names(),
                        "a client gets its own count, never the whole server state");
                assertEquals(task.getRound() - 1, payload.get(PerClientScheduleStrategy.SELF).values()[0],
                        "client " + k + " in round " + task.getRound() + " took part in every earlier round");
            }
            for (GlobalModel round : outcome.rounds()) {
                ServerState state = ServerStateCodec.fromAvro(round.getStrategyState());
                float r = round.getRound();
                assertArrayEquals(new float[] {r, r, r}, state.tensor(PerClientScheduleStrategy.PARTICIPATION).values(),
                        "the state after round " + round.getRound());
                assertEquals(Integer.toString(round.getRound()), state.values().get(PerClientScheduleStrategy.ROUNDS));
            }
            ServerState last = ServerStateCodec.fromAvro(outcome.completion().getStrategyState());
            assertArrayEquals(new float[] {3, 3, 3}, last.tensor(PerClientScheduleStrategy.PARTICIPATION).values());

            ModelReady model = outcome.globalModel();
            assertEquals(PerClientScheduleStrategy.NAME, model.getAlgorithm());
            assertTrue(model.getTestAccuracy() > 0.3, "3 rounds on 1,500 real images beat chance: " + model.getTestAccuracy());
            Path weights = Path.of(model.getFiles().stream().map(Artifact::getPath)
                    .filter(p -> p.endsWith(".safetensors")).findFirst().orElseThrow());
            List<String> exported = SafetensorsReader.read(weights).parameters().names();
            assertTrue(exported.stream().noneMatch(n -> n.startsWith(PerClientScheduleStrategy.PARTICIPATION)),
                    "the server state is not part of the exported model: " + exported);
        } finally {
            System.clearProperty("fedarch.strategy.path");
        }
    }

    /** The plugin package of the test classes, with the ServiceLoader entry that names the strategy. */
    private static void pluginJar(Path jar) throws IOException, URISyntaxException {
        Path classes = Path.of(PerClientScheduleStrategy.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path packageDir = classes.resolve("io/fedarch/cli/plugin");
        try (OutputStream file = Files.newOutputStream(jar);
             JarOutputStream out = new JarOutputStream(file);
             Stream<Path> compiled = Files.list(packageDir)) {
            out.putNextEntry(new JarEntry("META-INF/services/io.fedarch.core.strategy.Strategy"));
            out.write((PerClientScheduleStrategy.class.getName() + "\n").getBytes());
            out.closeEntry();
            for (Path c : compiled.filter(p -> p.toString().endsWith(".class")).sorted().toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(c).toString()));
                out.write(Files.readAllBytes(c));
                out.closeEntry();
            }
        }
    }
}
