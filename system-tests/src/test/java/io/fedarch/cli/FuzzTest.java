package io.fedarch.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fedarch.events.DeadLetter;
import io.fedarch.events.JobSpec;
import io.fedarch.events.SearchCompleted;
import io.fedarch.events.SearchStatus;
import io.fedarch.events.wire.DeadLetters;
import io.fedarch.events.wire.EventCodec;
import io.fedarch.events.wire.TopicTap;
import io.fedarch.events.wire.Topics;

/**
 * 10,000 hostile messages ({@link FuzzMessages}) to every topic a fedarch service consumes, while a
 * real job runs on the same stack: every message must come back as exactly one dead letter with a
 * reason, its source topic, partition and offset and its original bytes (the first MiB of an
 * oversized one), no service may stop, and the job must finish as usual. And hostile job specs
 * that decode fine ({@link FuzzSpecs}): each refused or failed with a reason, alongside a real job.
 */
class FuzzTest {
    private static final int MESSAGES_PER_TOPIC = 10_000;
    private static final int HOSTILE_SPECS = 300;
    private static final long SPEC_SEED = 20240501L;

    @TempDir
    static Path runDir;
    private static LocalStack stack;
    private static Path home;

    @BeforeAll
    static void startStack() {
        home = Path.of(System.getProperty("fedarch.home", "..")).toAbsolutePath().normalize();
        stack = LocalStack.start(new StackOptions(home, runDir, 1, DatasetCheck.DEFAULT_DIR), System.out);
    }

    @AfterAll
    static void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    /** Where a fuzz message landed: topic, partition, offset. */
    record Place(String topic, int partition, long offset) {
    }

    @Test
    void everyHostileMessageBecomesOneDeadLetterWhileAValidJobCompletes() throws Exception {
        JobSpec job = JobFile.read(home.resolve("examples/tiny-smoke.yaml")).spec();
        job.setName("fuzzed");
        // The worker works through 10,000 hostile tasks too; the valid ones may wait behind them.
        job.setRoundDeadlineMs(900_000);
        ExecutorService executor = Executors.newSingleThreadExecutor();
        Map<Place, byte[]> sent = new HashMap<>();
        try (TopicTap tap = new TopicTap(stack.bootstrapServers());
             var deadLetters = tap.follow(Topics.DEAD_LETTERS, DeadLetter.class);
             KafkaProducer<String, byte[]> producer = producer()) {
            Future<JobOutcome> valid = executor.submit(() -> new JobRunner(stack.bootstrapServers())
                    .run(job, Duration.ofSeconds(900), new ConsoleProgress(System.out)));

            long start = System.nanoTime();
            List<Future<RecordMetadata>> pending = new ArrayList<>();
            List<byte[]> payloads = new ArrayList<>();
            for (String topic : new java.util.TreeSet<>(FuzzMessages.CONSUMED.keySet())) {
                FuzzMessages messages = new FuzzMessages(topic, topic.hashCode());
                for (int i = 0; i < MESSAGES_PER_TOPIC; i++) {
                    byte[] value = messages.next(i);
                    pending.add(producer.send(new ProducerRecord<>(topic, "fuzz-" + i, value)));
                    payloads.add(value);
                }
            }
            for (int i = 0; i < pending.size(); i++) {
                RecordMetadata at = pending.get(i).get();
                sent.put(new Place(at.topic(), at.partition(), at.offset()), payloads.get(i));
            }
            System.out.printf("fuzz: %d messages sent in %.1f s%n", sent.size(), (System.nanoTime() - start) / 1e9);

            List<DeadLetter> letters = deadLetters.await(sent.size(),
                    d -> sent.containsKey(new Place(d.getSourceTopic(), d.getSourcePartition(), d.getSourceOffset())),
                    Duration.ofSeconds(900));
            System.out.printf("fuzz: %d dead letters after %.1f s%n", letters.size(), (System.nanoTime() - start) / 1e9);

            Map<Place, DeadLetter> byPlace = new HashMap<>();
            Map<String, Integer> perTopic = new TreeMap<>();
            for (DeadLetter letter : letters) {
                Place place = new Place(letter.getSourceTopic(), letter.getSourcePartition(), letter.getSourceOffset());
                assertEquals(null, byPlace.put(place, letter), "one dead letter per message: " + place);
                perTopic.merge(letter.getSourceTopic(), 1, Integer::sum);
                assertNotNull(letter.getReason());
                assertFalse(letter.getReason().isBlank(), "a reason for " + place);
                byte[] original = sent.get(place);
                byte[] kept = new byte[letter.getPayload().remaining()];
                letter.getPayload().duplicate().get(kept);
                assertEquals(original.length, letter.getPayloadSize());
                if (original.length > DeadLetters.PAYLOAD_LIMIT) {
                    assertTrue(letter.getPayloadTruncated());
                    assertArrayEquals(Arrays.copyOf(original, DeadLetters.PAYLOAD_LIMIT), kept, "first MiB kept");
                } else {
                    assertArrayEquals(original, kept, "original bytes of " + place);
                }
            }
            System.out.println("fuzz: dead letters per source topic " + perTopic);
            for (String topic : FuzzMessages.CONSUMED.keySet()) {
                assertEquals(MESSAGES_PER_TOPIC, perTopic.getOrDefault(topic, 0), topic);
            }

            JobOutcome outcome = valid.get();
            assertEquals(SearchStatus.SUCCEEDED, outcome.completion().getStatus());
            assertTrue(outcome.globalModel().getTestAccuracy() > 0.5, "the valid job trained as usual: "
                    + outcome.globalModel().getTestAccuracy());
        } finally {
            executor.shutdownNow();
        }
        assertTrue(stack.coordinator().isAlive() && stack.workers().get(0).isAlive(), "services still running");
    }

    /**
     * A few hundred adversarial but well-formed job specs ({@link FuzzSpecs}) on fedarch.jobs while a
     * real job runs: each is refused with a dead letter that says why, or, when it is within every
     * bound and only goes wrong once it runs, ends FAILED with a reason (or with its delivery
     * refused); no service stops, and the ordinary job completes as usual.
     */
    @Test
    void hostileButWellFormedJobSpecsAreRefusedOrFailWithAReasonWhileAValidJobCompletes() throws Exception {
        JobSpec job = JobFile.read(home.resolve("examples/tiny-smoke.yaml")).spec();
        job.setName("alongside-hostile-specs");
        job.setRoundDeadlineMs(600_000);
        List<FuzzSpecs.Hostile> specs = new FuzzSpecs(job, otherTenantData().toString(), SPEC_SEED)
                .generate(HOSTILE_SPECS, 2);
        Map<String, FuzzSpecs.Hostile> byJob = new HashMap<>();
        specs.forEach(h -> byJob.put(h.jobId(), h));
        Map<String, SpecOutcome> outcomes = new TreeMap<>();
        Map<String, String> taskRefusals = new HashMap<>();
        ExecutorService executor = Executors.newSingleThreadExecutor();
        JobOutcome other = null;
        try (TopicTap tap = new TopicTap(stack.bootstrapServers());
             var deadLetters = tap.follow(Topics.DEAD_LETTERS, DeadLetter.class);
             var completions = tap.follow(Topics.SEARCH_COMPLETIONS, SearchCompleted.class);
             KafkaProducer<String, byte[]> producer = producer()) {
            Future<JobOutcome> valid = executor.submit(() -> new JobRunner(stack.bootstrapServers())
                    .run(job, Duration.ofSeconds(900), new ConsoleProgress(System.out)));
            long start = System.nanoTime();
            for (FuzzSpecs.Hostile h : specs) {
                producer.send(new ProducerRecord<>(Topics.JOBS, h.jobId(), EventCodec.encode(h.event())));
            }
            producer.flush();
            System.out.printf("fuzz-specs: %d hostile specs sent in %.1f s%n", specs.size(),
                    (System.nanoTime() - start) / 1e9);

            long deadline = System.nanoTime() + Duration.ofSeconds(900).toNanos();
            while (outcomes.size() < specs.size() && System.nanoTime() < deadline) {
                for (DeadLetter d : deadLetters.during(Duration.ofSeconds(1), d -> byJob.containsKey(d.getJobId()))) {
                    record(d, outcomes, taskRefusals);
                }
                for (SearchCompleted c : completions.during(Duration.ofSeconds(1),
                        c -> byJob.containsKey(c.getJobId()) && c.getStatus() == SearchStatus.FAILED)) {
                    outcomes.putIfAbsent(c.getJobId(), new SpecOutcome(FuzzSpecs.Expected.FAILED_AT_RUNTIME,
                            c.getReason()));
                }
            }
            System.out.printf("fuzz-specs: %d of %d specs answered after %.1f s%n", outcomes.size(), specs.size(),
                    (System.nanoTime() - start) / 1e9);
            // A job whose tasks are refused fails once its round runs out of time, and that completion may be
            // read before the worker's dead letter (another topic, and the worker may reach the task late).
            long refusalsDeadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (!dataDirSpecsWithoutARefusal(specs, taskRefusals).isEmpty() && System.nanoTime() < refusalsDeadline) {
                for (DeadLetter d : deadLetters.during(Duration.ofSeconds(1), d -> byJob.containsKey(d.getJobId()))) {
                    record(d, outcomes, taskRefusals);
                }
            }
            other = valid.get();
        } finally {
            executor.shutdownNow();
        }

        Map<String, Integer> byCategory = new TreeMap<>();
        int refused = 0;
        int failedAtRuntime = 0;
        for (FuzzSpecs.Hostile h : specs) {
            SpecOutcome seen = outcomes.get(h.jobId());
            String kind = seen == null ? "NO ANSWER" : seen.kind().name();
            byCategory.merge(h.category() + " " + kind, 1, Integer::sum);
            if (seen != null && seen.kind() == FuzzSpecs.Expected.FAILED_AT_RUNTIME) {
                failedAtRuntime++;
            } else if (seen != null) {
                refused++;
            }
        }
        boolean servicesUp = stack.services().stream().allMatch(ServiceProcess::isAlive);
        boolean otherJobCompleted = other != null && other.succeeded();
        System.out.printf("FUZZ-SPECS tried=%d refused=%d failedAtRuntime=%d servicesUp=%s otherJobCompleted=%s%n",
                specs.size(), refused, failedAtRuntime, servicesUp, otherJobCompleted);
        System.out.println("FUZZ-SPECS by category and outcome: " + byCategory);
        outcomes.values().stream().map(o -> o.kind() + ": " + o.reason()).distinct().sorted()
                .forEach(line -> System.out.println("  " + line.substring(0, Math.min(line.length(), 240))));

        for (FuzzSpecs.Hostile h : specs) {
            SpecOutcome seen = outcomes.get(h.jobId());
            assertNotNull(seen, h.jobId() + " got no dead letter and did not fail");
            assertEquals(h.expected(), seen.kind(), h.jobId() + ": " + seen.reason());
            assertNotNull(seen.reason(), h.jobId());
            assertFalse(seen.reason().isBlank(), "a reason for " + h.jobId());
            if (h.category().startsWith("dataDir")) {
                assertTrue(taskRefusals.getOrDefault(h.jobId(), "").contains("data.dataDir"),
                        "the workers refused its tasks naming the dataDir: " + taskRefusals.get(h.jobId()));
            }
        }
        assertTrue(servicesUp, "services still running");
        assertTrue(otherJobCompleted, "the ordinary job completed");
        assertTrue(other.globalModel().getTestAccuracy() > 0.5, "the ordinary job trained as usual: "
                + other.globalModel().getTestAccuracy());
    }

    /** Files a hostile spec's dead letter by where it came from; the first answer for a job is kept. */
    private static void record(DeadLetter d, Map<String, SpecOutcome> outcomes, Map<String, String> taskRefusals) {
        if (d.getSourceTopic().equals(Topics.JOBS)) {
            outcomes.putIfAbsent(d.getJobId(), new SpecOutcome(FuzzSpecs.Expected.REFUSED_AT_SUBMISSION, d.getReason()));
        } else if (d.getSourceTopic().equals(Topics.SEARCH_COMPLETIONS)) {
            outcomes.putIfAbsent(d.getJobId(), new SpecOutcome(FuzzSpecs.Expected.DELIVERY_REFUSED, d.getReason()));
        } else {
            // A worker refusing the job's tasks; the job itself ends later.
            taskRefusals.putIfAbsent(d.getJobId(), d.getReason());
        }
    }

    private static List<String> dataDirSpecsWithoutARefusal(List<FuzzSpecs.Hostile> specs,
                                                            Map<String, String> taskRefusals) {
        return specs.stream().filter(h -> h.category().startsWith("dataDir") && !taskRefusals.containsKey(h.jobId()))
                .map(FuzzSpecs.Hostile::jobId).toList();
    }

    /** What became of a hostile spec, and the reason given. */
    record SpecOutcome(FuzzSpecs.Expected kind, String reason) {
    }

    /** Another tenant's copy of the dataset: real IDX files, outside every service's allowed roots. */
    private static Path otherTenantData() throws java.io.IOException {
        Path dir = java.nio.file.Files.createDirectories(runDir.resolve("other-tenant-data"));
        try (var files = java.nio.file.Files.list(DatasetCheck.DEFAULT_DIR)) {
            for (Path f : files.toList()) {
                Path link = dir.resolve(f.getFileName());
                if (!java.nio.file.Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    java.nio.file.Files.createSymbolicLink(link, f);
                }
            }
        }
        return dir;
    }

    private KafkaProducer<String, byte[]> producer() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, Integer.toString(LocalStack.MAX_MESSAGE_BYTES));
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(256L << 20));
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        return new KafkaProducer<>(p);
    }
}
