package io.fedarch.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;


import io.fedarch.broker.FreePorts;
import io.fedarch.broker.KafkaBrokerProcess;
import io.fedarch.broker.topics.FedarchTopicLayout;

/**
 * A whole fedarch deployment on this machine: a real Kafka broker process, the topics, the
 * coordinator, N workers and the pruning service, each a separate JVM with its log in
 * {@code runDir/logs}, every listener on 127.0.0.1. The coordinator's REST API wants the token in
 * {@code runDir/api-token}. Closing it stops everything it started, services first.
 */
public final class LocalStack implements AutoCloseable {
    /** Message limit of the stack: model-carrying topics, producers and consumers all use it. */
    public static final int MAX_MESSAGE_BYTES = 64 * 1024 * 1024;
    private static final int TASK_PARTITIONS = 8;
    private static final Duration SERVICE_START_TIMEOUT = Duration.ofSeconds(120);

    private KafkaBrokerProcess broker;
    private final List<ServiceProcess> services = new ArrayList<>();
    private final List<ServiceProcess> workers = new ArrayList<>();
    private final StackOptions options;
    private final Path apiTokenFile;

    private LocalStack(KafkaBrokerProcess broker, StackOptions options) {
        this.broker = broker;
        this.options = options;
        this.apiTokenFile = options.runDir().resolve(ApiTokenFile.NAME);
    }

    public static LocalStack start(StackOptions options, PrintStream out) {
        long t0 = System.nanoTime();
        out.printf("starting Kafka (KRaft) broker ...%n");
        KafkaBrokerProcess broker = KafkaBrokerProcess.builder()
                .messageMaxBytes(MAX_MESSAGE_BYTES)
                .start(options.runDir().resolve("broker"));
        LocalStack stack = new LocalStack(broker, options);
        try {
            out.printf("  broker at %s (%.1f s), log %s%n", broker.bootstrapServers(),
                    broker.startupTime().toMillis() / 1000.0, broker.logFile());
            stack.provisionTopics();
            stack.startServices(out);
            out.printf("stack ready in %.1f s: coordinator, %d worker(s), pruning; logs in %s%n",
                    (System.nanoTime() - t0) / 1e9, options.workers(), options.logsDir());
            return stack;
        } catch (RuntimeException e) {
            stack.close();
            throw e;
        }
    }

    public Path home() {
        return options.home();
    }

    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    public List<ServiceProcess> workers() {
        return List.copyOf(workers);
    }

    public ServiceProcess coordinator() {
        return services.get(0);
    }

    /** Every service process: the coordinator, the workers, the pruning service. */
    public synchronized List<ServiceProcess> services() {
        return List.copyOf(services);
    }

    /** The file holding the token the coordinator's REST API wants ({@code Authorization: Bearer <token>}). */
    public Path apiTokenFile() {
        return apiTokenFile;
    }

    /** Kills the coordinator (SIGKILL) and starts it again with the same configuration; returns once it is ready. */
    public synchronized ServiceProcess killAndRestartCoordinator(Duration down) {
        ServiceProcess killed = services.get(0);
        killed.kill();
        pause(down);
        ServiceProcess restarted = killed.restart();
        services.set(0, restarted);
        restarted.awaitReady(SERVICE_START_TIMEOUT);
        return restarted;
    }

    /**
     * Starts the coordinator again (killing it first if it still runs) with {@code extra} system
     * properties, e.g. a fault-injection switch; returns the new process once it is ready.
     */
    public synchronized ServiceProcess restartCoordinatorWith(Map<String, String> extra) {
        ServiceProcess old = services.get(0);
        if (old.isAlive()) {
            old.kill();
        }
        ServiceProcess restarted = old.restartWith(extra);
        services.set(0, restarted);
        restarted.awaitReady(SERVICE_START_TIMEOUT);
        return restarted;
    }

    /**
     * Starts a second coordinator beside the running one (same configuration, other ports); the
     * stack adopts it as its coordinator, and the caller gets the first one back to watch it.
     */
    public synchronized ServiceProcess startSecondCoordinator() {
        ServiceProcess first = services.get(0);
        List<Integer> ports = FreePorts.pick(2);
        ServiceProcess second = first.startCopy("coordinator-2", ports.get(0), ports.get(1),
                options.logsDir().resolve("coordinator-2.log"));
        second.awaitReady(SERVICE_START_TIMEOUT);
        services.set(0, second);
        return first;
    }

    /**
     * Stops worker {@code index} (0-based) as Kubernetes does: SIGTERM, and SIGKILL only if it has not
     * exited after 20 s. Its unfinished task must go to the others.
     *
     * @return whether it exited by itself within the grace period
     */
    public synchronized boolean stopWorker(int index) {
        return workers.get(index).close(Duration.ofSeconds(20));
    }

    /** Kills worker {@code index} (0-based, SIGKILL); its tasks must go to the others. */
    public synchronized void killWorker(int index) {
        workers.get(index).kill();
    }

    /** Starts a killed worker again with its configuration; returns once it is ready. */
    public synchronized void restartWorker(int index) {
        ServiceProcess killed = workers.get(index);
        ServiceProcess restarted = killed.restart();
        workers.set(index, restarted);
        services.set(services.indexOf(killed), restarted);
        restarted.awaitReady(SERVICE_START_TIMEOUT);
    }

    /** Stops the broker (SIGTERM), leaves it down for {@code down}, then starts it on the same port and data. */
    public synchronized void restartBroker(Duration down) {
        int port = broker.port();
        Path dataDir = broker.dataDir();
        Path workDir = broker.workDir();
        broker.close();
        pause(down);
        broker = KafkaBrokerProcess.builder().port(port).dataDir(dataDir).messageMaxBytes(MAX_MESSAGE_BYTES)
                .start(workDir);
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void provisionTopics() {
        FedarchTopicLayout.ensure(broker.bootstrapServers(), TASK_PARTITIONS, MAX_MESSAGE_BYTES);
    }

    private void startServices(PrintStream out) {
        Map<String, String> common = new LinkedHashMap<>();
        common.put("kafka.bootstrap.servers", broker.bootstrapServers());
        common.put("fedarch.topics.max-message-bytes", Integer.toString(MAX_MESSAGE_BYTES));
        common.put("fedarch.topics.client-tasks.partitions", Integer.toString(TASK_PARTITIONS));
        common.put("fedarch.data.dir", options.dataDir().toString());
        common.put("quarkus.log.file.enabled", "false");
        // Strategies from jars outside the build: every service must load the same ones (the environment
        // variable FEDARCH_STRATEGY_PATH is inherited by the services as it is).
        String strategyPath = System.getProperty("fedarch.strategy.path");
        if (strategyPath != null) {
            common.put("fedarch.strategy.path", strategyPath);
        }
        // Split the cores between workers so they do not fight over them.
        int threadsPerWorker = Math.max(1, Runtime.getRuntime().availableProcessors() / options.workers());

        // The token goes in the environment: system properties are on the command line, which every local user can read.
        String apiToken = ApiTokenFile.readOrCreate(apiTokenFile);
        out.printf("  REST API token in %s (send it as 'Authorization: Bearer <token>')%n", apiTokenFile);
        // Workers sign their updates with a key only they and the coordinator hold (review H4), fresh per stack.
        String updateKey = java.util.HexFormat.of().formatHex(new java.security.SecureRandom().generateSeed(32));
        services.add(launch(out, "coordinator", 768, common, Map.of("FEDARCH_API_TOKEN", apiToken,
                "FEDARCH_COORDINATOR_UPDATE_KEY", updateKey)));
        for (int i = 1; i <= options.workers(); i++) {
            Map<String, String> props = new LinkedHashMap<>(common);
            props.put("fedarch.worker.id", "worker-" + i);
            props.put("ai.djl.pytorch.num_threads", Integer.toString(threadsPerWorker));
            props.put("ai.djl.pytorch.num_interop_threads", "1");
            props.put("fedarch.worker.slowdown-factor", Double.toString(options.slowdown(i)));
            ServiceProcess worker = launch(out, "worker-" + i, "worker-service", 2048, props,
                    Map.of("OMP_NUM_THREADS", Integer.toString(threadsPerWorker), "FEDARCH_WORKER_UPDATE_KEY", updateKey));
            services.add(worker);
            workers.add(worker);
        }
        Map<String, String> pruning = new LinkedHashMap<>(common);
        pruning.put("fedarch.export.dir", options.modelsDir().toString());
        services.add(launch(out, "pruning", "pruning-service", 1536, pruning, Map.of()));

        for (ServiceProcess service : services) {
            service.awaitReady(SERVICE_START_TIMEOUT);
            int worker = workers.indexOf(service) + 1;
            out.printf("  %-12s ready  http://127.0.0.1:%d  (metrics and health: http://127.0.0.1:%d/q/metrics, /q/health)%s%n",
                    service.name(), service.httpPort(), service.managementPort(), worker > 0 && options.slowdown(worker) > 1.0
                            ? "  simulated " + options.slowdown(worker) + "x slower device" : "");
        }
        out.printf("  live console %s  (sign in with the REST API token)%n", consoleUrl());
    }

    /** The live web console the coordinator serves (docs/console.md). */
    public String consoleUrl() {
        return "http://127.0.0.1:" + coordinator().httpPort() + "/console/";
    }

    private ServiceProcess launch(PrintStream out, String name, int heapMb, Map<String, String> props,
                                  Map<String, String> env) {
        return launch(out, name, name + "-service", heapMb, props, env);
    }

    private ServiceProcess launch(PrintStream out, String name, String module, int heapMb,
                                  Map<String, String> props, Map<String, String> env) {
        Map<String, String> environment = new LinkedHashMap<>(DjlEnvironment.VARIABLES);
        environment.putAll(env);
        Path app = options.home().resolve(module).resolve("target").resolve("quarkus-app");
        List<Integer> ports = FreePorts.pick(2);
        return ServiceProcess.start(name, app, ports.get(0), ports.get(1), heapMb, props, environment,
                options.logsDir().resolve(name + ".log"));
    }

    private boolean closed;

    /**
     * Stops the stack also when the launcher itself is stopped (Ctrl-C, SIGTERM), so no service
     * process outlives the command that started it. Closing twice is harmless.
     */
    public LocalStack stopOnExit() {
        Runtime.getRuntime().addShutdownHook(new Thread(this::close, "fedarch-stack-shutdown"));
        return this;
    }

    /** Stops the services (graceful, in reverse order), then the broker. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = services.size() - 1; i >= 0; i--) {
            services.get(i).close();
        }
        broker.close();
    }
}
