package io.fedarch.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import io.fedarch.broker.FreePorts;
import io.fedarch.broker.KafkaBrokerProcess;
import io.fedarch.broker.topics.FedarchTopicLayout;
import io.fedarch.core.model.ModelSize;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.events.ClientMetrics;
import io.fedarch.events.ClientTask;
import io.fedarch.events.ClientUpdate;
import io.fedarch.events.DType;
import io.fedarch.events.GlobalModel;
import io.fedarch.events.JobSpec;
import io.fedarch.events.JobSubmitted;
import io.fedarch.events.spec.JobSpecReader;
import io.fedarch.events.wire.EventCodec;
import io.fedarch.events.wire.Topics;
import io.fedarch.events.wire.UpdateSignature;

/**
 * The aggregation scale benchmark (issue 19): the real broker and the real packaged coordinator,
 * one FedAvg job of 1,000 clients, 100 per round, a ~1 M-parameter CNN, and this process playing
 * every worker with a cheap synthetic procedure (the task's model plus a seeded perturbation, signed
 * with the coordinator's update key), so what is measured is the coordinator. Per round it records
 * <ul>
 *   <li>the coordinator's heap after a full GC ({@code jcmd GC.run}, then {@code GC.heap_info}'s
 *       "used") with 99 of the round's 100 updates counted — the most a round holds before it closes —
 *       against the same measure of the idle coordinator before the job;</li>
 *   <li>round-close latency: from the broker's acknowledgement of the round's last update to this
 *       process reading the round's GlobalModel (read_committed), and the coordinator's own
 *       {@code fedarch_round_close_seconds} (handling the last update to committing the aggregate);</li>
 *   <li>bytes per round: tasks, updates, the GlobalModel and the coordinator's checkpoints.</li>
 * </ul>
 * Each mode runs its own coordinator on the same broker: {@code buffered} (every update held until
 * the round closes, as before issue 19, via {@code fedarch.coordinator.fold-updates=false}) and
 * {@code folded} (running sums, the default), and {@code folded-joint} (running sums, but the round's
 * close committed in one transaction with the next round's tasks, as before the two were split, via
 * {@code fedarch.coordinator.close-before-tasks=false}). Run with {@code bench/aggregation-scale.sh}.
 */
public final class AggregationScaleBench {
    private static final int MAX_MESSAGE_BYTES = 64 << 20;
    private static final int TASK_PARTITIONS = 8;
    private static final Duration WAIT = Duration.ofMinutes(3);

    private record RoundFigures(String mode, int round, long baselineHeap, long roundStartHeap, long heldHeap,
                                double closeMs, double coordinatorCloseMs, long aggregationMs, int tasks, long taskBytes, int updates,
                                long updateBytes, long globalBytes, int checkpoints, long checkpointBytes) {
    }

    private final Path out;
    private final Path home;
    private final String bootstrap;
    private final JobSpec spec;
    private final long parameters;
    private final HttpClient http = HttpClient.newHttpClient();

    private AggregationScaleBench(Path out, Path home, String bootstrap, JobSpec spec) {
        this.out = out;
        this.home = home;
        this.bootstrap = bootstrap;
        this.spec = spec;
        this.parameters = ModelSize.parameters(spec.getModel());
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "bench/results/aggregation-scale").toAbsolutePath();
        Path home = Path.of(System.getProperty("fedarch.home", ".")).toAbsolutePath().normalize();
        int rounds = Integer.getInteger("rounds", 3);
        String hidden = System.getProperty("hidden", "630");
        List<String> modes = List.of(System.getProperty("modes", "buffered,folded").split(","));
        Map<String, Object> job = new LinkedHashMap<>();
        job.put("algorithm", "fedavg");
        job.put("totalClients", Integer.getInteger("clients", 1000));
        job.put("clientsPerRound", Integer.getInteger("perRound", 100));
        job.put("rounds", rounds);
        job.put("roundDeadlineMs", 600_000);
        job.put("model", Map.of("family", "cnn", "options", Map.of("hidden", hidden)));
        JobSpec spec = JobSpecReader.fromMap(job);
        Files.createDirectories(out.resolve("logs"));

        Path brokerDir = Files.createTempDirectory("aggregation-scale-broker");
        KafkaBrokerProcess broker = KafkaBrokerProcess.builder().messageMaxBytes(MAX_MESSAGE_BYTES).start(brokerDir);
        List<RoundFigures> figures = new ArrayList<>();
        try {
            FedarchTopicLayout.ensure(broker.bootstrapServers(), TASK_PARTITIONS, MAX_MESSAGE_BYTES);
            AggregationScaleBench bench = new AggregationScaleBench(out, home, broker.bootstrapServers(), spec);
            System.out.printf("model: cnn hidden %s, %d parameters (%.2f MB at FP32); %d clients, %d per round, %d rounds%n",
                    hidden, bench.parameters, bench.parameters * 4 / 1e6, spec.getTotalClients(),
                    spec.getClientsPerRound(), rounds);
            for (String mode : modes) {
                try {
                    figures.addAll(bench.run(mode.trim()));
                } catch (RuntimeException e) {
                    // A mode whose coordinator gives out (the buffered one can run out of heap) is a result too.
                    System.out.printf("[%s] FAILED: %s (see logs/coordinator-%s.log)%n", mode, e.getMessage(), mode);
                }
                bench.write(figures);
            }
        } finally {
            broker.close();
            // Gigabytes of models: the figures are in OUT, the log is of no further use.
            try (var paths = Files.walk(brokerDir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            }
        }
    }

    /** One coordinator, one job, every round measured. */
    private List<RoundFigures> run(String mode) throws Exception {
        boolean fold = switch (mode) {
            case "folded", "folded-joint" -> true;
            case "buffered" -> false;
            default -> throw new IllegalArgumentException("mode " + mode + ": folded, folded-joint or buffered");
        };
        // folded-joint: the round's close and the next round's tasks in one transaction, as before the split.
        boolean closeBeforeTasks = !mode.equals("folded-joint");
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        Map<String, String> props = new LinkedHashMap<>();
        props.put("kafka.bootstrap.servers", bootstrap);
        props.put("fedarch.topics.max-message-bytes", Integer.toString(MAX_MESSAGE_BYTES));
        props.put("fedarch.topics.client-tasks.partitions", Integer.toString(TASK_PARTITIONS));
        props.put("quarkus.log.file.enabled", "false");
        props.put("fedarch.coordinator.fold-updates", Boolean.toString(fold));
        props.put("fedarch.coordinator.close-before-tasks", Boolean.toString(closeBeforeTasks));
        props.put("fedarch.coordinator.transactional-id", "scale-bench-" + mode);
        Map<String, String> env = new LinkedHashMap<>(DjlEnvironment.VARIABLES);
        env.put("FEDARCH_API_TOKEN", UUID.randomUUID().toString());
        env.put("FEDARCH_COORDINATOR_UPDATE_KEY", HexFormat.of().formatHex(key));
        List<Integer> ports = FreePorts.pick(2);
        // The local stack's coordinator heap (LocalStack: 768 MiB) unless -DcoordinatorHeapMb says otherwise: a round's
        // close encodes its 100 next tasks (400 MB) before sending them, which can outgrow 768 MiB under a slow broker.
        ServiceProcess coordinator = ServiceProcess.start("coordinator-" + mode,
                home.resolve("coordinator-service/target/quarkus-app"), ports.get(0), ports.get(1),
                Integer.getInteger("coordinatorHeapMb", 768), props, env,
                out.resolve("logs/coordinator-" + mode + ".log"));
        List<RoundFigures> figures = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> tasks = tail(Topics.CLIENT_TASKS);
             KafkaConsumer<String, byte[]> globals = tail(Topics.GLOBAL_MODELS);
             KafkaConsumer<String, byte[]> checkpoints = tail(Topics.COORDINATOR_STATE);
             KafkaProducer<String, byte[]> producer = producer()) {
            coordinator.awaitReady(Duration.ofSeconds(180));
            Thread.sleep(5_000);
            long baseline = heapAfterGc(coordinator.pid());
            String jobId = "scale-" + mode + "-" + System.currentTimeMillis();
            producer.send(new ProducerRecord<>(Topics.JOBS, jobId, EventCodec.encode(JobSubmitted.newBuilder()
                    .setEventId(UUID.randomUUID().toString()).setJobId(jobId).setTimestamp(Instant.now())
                    .setSpec(spec).build()))).get();
            System.out.printf("[%s] coordinator pid %d idle heap %.1f MB; job %s submitted%n", mode, coordinator.pid(),
                    baseline / 1e6, jobId);
            for (int round = 1; round <= spec.getRounds(); round++) {
                List<ConsumerRecord<String, byte[]>> taskRecords = awaitTasks(tasks, jobId, round);
                // The round is open, its tasks are out, no update has arrived: the job's own state (its global model).
                long roundStart = heapAfterGc(coordinator.pid());
                histogram(coordinator.pid(), mode + "-round" + round + "-start");
                long taskBytes = taskRecords.stream().mapToLong(r -> r.value().length).sum();
                ClientTask first = EventCodec.decode(taskRecords.get(0).value(), ClientTask.class);
                ModelParameters global = TensorCodec.fromAvro(first.getGlobalModel());
                long countedBefore = counter(coordinator, "fedarch_client_compute_seconds_count");
                long updateBytes = 0;
                List<Future<RecordMetadata>> sent = new ArrayList<>();
                for (int i = 0; i < taskRecords.size() - 1; i++) {
                    byte[] update = update(jobId, EventCodec.decode(taskRecords.get(i).value(), ClientTask.class),
                            global, key);
                    updateBytes += update.length;
                    sent.add(producer.send(new ProducerRecord<>(Topics.CLIENT_UPDATES, jobId, update)));
                }
                for (Future<RecordMetadata> f : sent) {
                    f.get();
                }
                awaitCounter(coordinator, "fedarch_client_compute_seconds_count", countedBefore + taskRecords.size() - 1);
                long held = heapAfterGc(coordinator.pid());
                histogram(coordinator.pid(), mode + "-round" + round + "-held");
                double closeSumBefore = gauge(coordinator, "fedarch_round_close_seconds_sum");
                byte[] last = update(jobId, EventCodec.decode(taskRecords.get(taskRecords.size() - 1).value(),
                        ClientTask.class), global, key);
                updateBytes += last.length;
                producer.send(new ProducerRecord<>(Topics.CLIENT_UPDATES, jobId, last)).get();
                long acknowledged = System.nanoTime();
                long[] published = awaitGlobal(globals, jobId, round);
                double closeMs = (System.nanoTime() - acknowledged) / 1e6;
                long globalBytes = published[0];
                double coordinatorCloseMs = (gauge(coordinator, "fedarch_round_close_seconds_sum") - closeSumBefore) * 1e3;
                long[] checkpointed = drain(checkpoints, jobId);
                RoundFigures f = new RoundFigures(mode, round, baseline, roundStart, held, closeMs, coordinatorCloseMs,
                        published[1], taskRecords.size(), taskBytes, taskRecords.size(), updateBytes, globalBytes,
                        (int) checkpointed[0], checkpointed[1]);
                figures.add(f);
                System.out.printf(Locale.ROOT, "[%s] round %d: heap above idle %.1f MB (%.2fx model), above the round's start %.1f MB "
                                + "(%.2fx), with %d updates counted; close %.0f ms (coordinator %.0f ms, aggregation %d ms); tasks %.1f MB, updates %.1f MB, global "
                                + "%.1f MB, %d checkpoints %.1f MB%n", mode, round, (held - baseline) / 1e6,
                        (held - baseline) / (4.0 * parameters), (held - roundStart) / 1e6,
                        (held - roundStart) / (4.0 * parameters), taskRecords.size() - 1, closeMs, coordinatorCloseMs,
                        published[1], taskBytes / 1e6, updateBytes / 1e6, globalBytes / 1e6, checkpointed[0], checkpointed[1] / 1e6);
            }
        } finally {
            coordinator.close();
        }
        return figures;
    }

    /** A synthetic client's answer: the task's model plus a small seeded perturbation, signed like a worker's. */
    private static byte[] update(String jobId, ClientTask task, ModelParameters global, byte[] key) {
        long state = 0x9E3779B97F4A7C15L * (task.getClientId() + 1) + task.getRound();
        List<NamedTensor> tensors = new ArrayList<>();
        for (NamedTensor t : global.tensors()) {
            float[] values = t.values().clone();
            for (int i = 0; i < values.length; i++) {
                state ^= state << 13;
                state ^= state >>> 7;
                state ^= state << 17;
                values[i] += (state % 1000) * 1e-6f;
            }
            tensors.add(new NamedTensor(t.name(), t.shape(), values));
        }
        ClientUpdate update = ClientUpdate.newBuilder()
                .setEventId(jobId + "/synthetic-update/" + task.getEventId())
                .setJobId(jobId).setTimestamp(Instant.now()).setTaskEventId(task.getEventId())
                .setRound(task.getRound()).setClientId(task.getClientId()).setAttempt(task.getAttempt())
                .setBaseModelVersion(task.getModelVersion()).setWorkerId("synthetic")
                .setSampleCount(36 + task.getClientId() % 7)    // within the 44 of a 1,000-way IID shard
                .setModelState(TensorCodec.toAvro(new ModelParameters(tensors), DType.FP32))
                .setMetrics(ClientMetrics.newBuilder().setTrainLoss(1).setTrainAccuracy(0.5).setValidationLoss(1)
                        .setValidationAccuracy(0.5).setGlobalValidationAccuracy(0.5).setValidationSamples(5)
                        .setSteps(1).setComputeMs(1).setUpdateBytes(4 * global.elementCount()).build())
                .build();
        update.setSignature(UpdateSignature.sign(key, update));
        return EventCodec.encode(update);
    }

    private List<ConsumerRecord<String, byte[]>> awaitTasks(KafkaConsumer<String, byte[]> consumer, String jobId,
                                                           int round) {
        List<ConsumerRecord<String, byte[]>> found = new ArrayList<>();
        Instant giveUp = Instant.now().plus(WAIT);
        while (found.size() < spec.getClientsPerRound()) {
            if (Instant.now().isAfter(giveUp)) {
                throw new IllegalStateException("only " + found.size() + " tasks of round " + round + " arrived");
            }
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                if (record.key().startsWith(jobId + "/")) {
                    ClientTask task = EventCodec.decode(record.value(), ClientTask.class);
                    if (task.getRound() == round) {
                        found.add(record);
                    }
                }
            }
        }
        return found;
    }

    /** The round's GlobalModel: {its encoded bytes, the aggregation time it reports}. */
    private static long[] awaitGlobal(KafkaConsumer<String, byte[]> consumer, String jobId, int round) {
        Instant giveUp = Instant.now().plus(WAIT);
        while (Instant.now().isBefore(giveUp)) {
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(20))) {
                if (jobId.equals(record.key())) {
                    GlobalModel global = EventCodec.decode(record.value(), GlobalModel.class);
                    if (global.getRound() == round) {
                        return new long[] {record.value().length, global.getMetrics().getAggregationMs()};
                    }
                }
            }
        }
        throw new IllegalStateException("no global model of round " + round);
    }

    /** The checkpoints of the job written since the last call: {count, bytes}. */
    private static long[] drain(KafkaConsumer<String, byte[]> consumer, String jobId) {
        long count = 0;
        long bytes = 0;
        for (int empty = 0; empty < 3; ) {
            var records = consumer.poll(Duration.ofMillis(300));
            if (records.isEmpty()) {
                empty++;
            }
            for (ConsumerRecord<String, byte[]> record : records) {
                if (jobId.equals(record.key()) && record.value() != null) {
                    count++;
                    bytes += record.value().length;
                }
            }
        }
        return new long[] {count, bytes};
    }

    /** The live heap after a full collection, as the JVM reports it ({@code GC.heap_info} "used"). */
    private static long heapAfterGc(long pid) throws IOException, InterruptedException {
        jcmd(pid, "GC.run");
        jcmd(pid, "GC.run");
        String info = jcmd(pid, "GC.heap_info");
        Matcher used = Pattern.compile("used (\\d+)K").matcher(info);
        if (!used.find()) {
            throw new IllegalStateException("no heap figure in: " + info);
        }
        return Long.parseLong(used.group(1)) * 1024;
    }

    /** What the heap holds, largest classes first (the top 25 of {@code GC.class_histogram}), for the record. */
    private void histogram(long pid, String name) throws IOException, InterruptedException {
        String[] lines = jcmd(pid, "GC.class_histogram").split("\n");
        Files.writeString(out.resolve("logs/histogram-" + name + ".txt"),
                String.join("\n", java.util.Arrays.copyOf(lines, Math.min(lines.length, 28))) + "\n");
    }

    private static String jcmd(long pid, String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                Long.toString(pid), command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return output;
    }

    private long counter(ServiceProcess service, String name) throws Exception {
        return Math.round(gauge(service, name));
    }

    private void awaitCounter(ServiceProcess service, String name, long atLeast) throws Exception {
        Instant giveUp = Instant.now().plus(WAIT);
        while (counter(service, name) < atLeast) {
            if (Instant.now().isAfter(giveUp)) {
                throw new IllegalStateException(name + " stayed below " + atLeast);
            }
            Thread.sleep(100);
        }
    }

    /** The sum over every series of a Prometheus metric on the service's management port (0 when absent). */
    private double gauge(ServiceProcess service, String name) throws Exception {
        String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.managementPort()
                + "/q/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        double sum = 0;
        for (String line : body.split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    private KafkaConsumer<String, byte[]> tail(String topic) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(MAX_MESSAGE_BYTES));
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(4 * MAX_MESSAGE_BYTES));
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p);
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(info -> new TopicPartition(topic, info.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);     // fixes the start before anything is submitted
        return consumer;
    }

    private KafkaProducer<String, byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(MAX_MESSAGE_BYTES));
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(1L << 30));
        // As the workers send updates.
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
        return new KafkaProducer<>(p);
    }

    private void write(List<RoundFigures> figures) {
        StringBuilder csv = new StringBuilder("mode,round,model_bytes,idle_heap_bytes,round_start_heap_bytes,"
                + "held_heap_bytes,held_above_idle_bytes,held_above_idle_per_model,held_above_round_start_per_model,close_ms,coordinator_close_ms,"
                + "aggregation_ms,tasks,task_bytes,updates,update_bytes,global_bytes,checkpoints,checkpoint_bytes\n");
        for (RoundFigures f : figures) {
            csv.append(String.format(Locale.ROOT, "%s,%d,%d,%d,%d,%d,%d,%.3f,%.3f,%.1f,%.1f,%d,%d,%d,%d,%d,%d,%d,%d%n", f.mode(),
                    f.round(), 4 * parameters, f.baselineHeap(), f.roundStartHeap(), f.heldHeap(),
                    f.heldHeap() - f.baselineHeap(), (f.heldHeap() - f.baselineHeap()) / (4.0 * parameters),
                    (f.heldHeap() - f.roundStartHeap()) / (4.0 * parameters),
                    f.closeMs(), f.coordinatorCloseMs(), f.aggregationMs(), f.tasks(), f.taskBytes(), f.updates(), f.updateBytes(),
                    f.globalBytes(), f.checkpoints(), f.checkpointBytes()));
        }
        try {
            Files.writeString(out.resolve("rounds.csv"), csv);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
