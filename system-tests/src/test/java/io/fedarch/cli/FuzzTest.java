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
import io.fedarch.events.SearchStatus;
import io.fedarch.events.wire.DeadLetters;
import io.fedarch.events.wire.TopicTap;
import io.fedarch.events.wire.Topics;

/**
 * 10,000 hostile messages ({@link FuzzMessages}) to every topic a fedarch service consumes, while a
 * real job runs on the same stack: every message must come back as exactly one dead letter with a
 * reason, its source topic, partition and offset and its original bytes (the first MiB of an
 * oversized one), no service may stop, and the job must finish as usual.
 */
class FuzzTest {
    private static final int MESSAGES_PER_TOPIC = 10_000;

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
