package io.fedarch.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Consumer;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import io.fedarch.events.ArchitectureMask;
import io.fedarch.events.DeadLetter;
import io.fedarch.events.GlobalModel;
import io.fedarch.events.JobSpec;
import io.fedarch.events.JobSubmitted;
import io.fedarch.events.ModelReady;
import io.fedarch.events.ModelState;
import io.fedarch.events.SearchCompleted;
import io.fedarch.events.SearchStatus;
import io.fedarch.events.spec.DerivedJobs;
import io.fedarch.events.wire.EventCodec;
import io.fedarch.events.wire.MalformedEventException;
import io.fedarch.events.wire.Topics;

/**
 * Submits a job the way any external system does (a JobSubmitted event on fedarch.jobs) and
 * follows it on the output topics until all its models are ready (the global one, after the
 * fine-tuning job its pipeline may start, and one per personalized client), the search fails, or
 * time runs out. Soft-pruning masks of the job (FedMetaNAS) are collected on the way.
 */
public final class JobRunner {
    /**
     * The pruning service publishes a round's mask and the coordinator the round's aggregate on
     * different topics, so the last mask may arrive after the final model: wait this long for it.
     */
    private static final Duration LAST_MASK_GRACE = Duration.ofSeconds(3);

    private final String bootstrapServers;

    public JobRunner(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    public JobOutcome run(JobSpec spec, Duration timeout, JobProgress progress) {
        String jobId = "job-" + UUID.randomUUID();
        long start = System.nanoTime();
        String fineTuneJobId = DerivedJobs.fineTuneJobId(jobId);
        List<GlobalModel> rounds = new ArrayList<>();
        List<GlobalModel> fineTuneRounds = new ArrayList<>();
        List<ArchitectureMask> masks = new ArrayList<>();
        List<ModelReady> models = new ArrayList<>();
        List<DeadLetter> deadLetters = new ArrayList<>();
        SearchCompleted completion = null;
        Instant submittedAt;
        Long wallMs = null;

        try (KafkaConsumer<String, byte[]> consumer = followFromNow();
             KafkaProducer<String, byte[]> producer = producer()) {
            submittedAt = Instant.now();
            JobSubmitted submitted = JobSubmitted.newBuilder().setEventId(UUID.randomUUID().toString())
                    .setJobId(jobId).setTimestamp(submittedAt).setSpec(spec).build();
            producer.send(new ProducerRecord<>(Topics.JOBS, jobId, EventCodec.encode(submitted))).get();
            progress.submitted(jobId, spec);

            long deadline = System.nanoTime() + timeout.toNanos();
            long maskGraceEnd = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, maskGraceEnd)) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    try {
                        switch (record.topic()) {
                            case Topics.GLOBAL_MODELS -> {
                                GlobalModel model = EventCodec.decode(record.value(), GlobalModel.class);
                                if (jobId.equals(model.getJobId()) || fineTuneJobId.equals(model.getJobId())) {
                                    model.setModelState(ModelState.newBuilder().setTensors(List.of()).build());
                                    (jobId.equals(model.getJobId()) ? rounds : fineTuneRounds).add(model);
                                    progress.roundCompleted(model, elapsedMs(start));
                                }
                            }
                            case Topics.DEAD_LETTERS -> decodeFor(jobId, record, DeadLetter.class, DeadLetter::getJobId,
                                    letter -> {
                                        deadLetters.add(letter);
                                        progress.deadLetter(letter);
                                    });
                            case Topics.ARCHITECTURE_MASKS -> decodeFor(jobId, record, ArchitectureMask.class,
                                    ArchitectureMask::getJobId, mask -> {
                                        // A redelivered mask replaces the one of its round.
                                        masks.removeIf(m -> m.getRound() == mask.getRound());
                                        masks.add(mask);
                                        progress.maskPublished(mask);
                                    });
                            case Topics.MODELS_READY -> decodeFor(jobId, record, ModelReady.class, ModelReady::getJobId,
                                    ready -> {
                                        models.add(ready);
                                        progress.modelReady(ready);
                                    });
                            default -> { }
                        }
                        if (record.topic().equals(Topics.SEARCH_COMPLETIONS)) {
                            SearchCompleted c = EventCodec.decode(record.value(), SearchCompleted.class);
                            if (jobId.equals(c.getJobId())) {
                                c.setFinalModel(null);
                                completion = c;
                                progress.searchCompleted(c);
                            }
                        }
                    } catch (MalformedEventException notAnEvent) {
                        // Garbage someone else put on a topic: the services dead-letter it; it is not this job's.
                    }
                }
                if (wallMs == null && completion != null && (completion.getStatus() == SearchStatus.FAILED
                        || new JobOutcome(jobId, submittedAt, rounds, fineTuneRounds, masks, completion, models,
                                deadLetters, 0).allModelsReady())) {
                    wallMs = elapsedMs(start);
                    maskGraceEnd = System.nanoTime() + LAST_MASK_GRACE.toNanos();
                }
                if (wallMs != null && !awaitingLastMask(masks, rounds)) {
                    break;
                }
            }
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("could not submit the job: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        masks.sort(java.util.Comparator.comparingInt(ArchitectureMask::getRound));
        JobOutcome outcome = new JobOutcome(jobId, submittedAt, rounds, fineTuneRounds, masks, completion, models,
                deadLetters, wallMs != null ? wallMs : elapsedMs(start));
        if (completion == null || (completion.getStatus() == SearchStatus.SUCCEEDED && !outcome.allModelsReady())) {
            throw new JobTimeoutException(outcome, timeout);
        }
        return outcome;
    }

    private static <T extends org.apache.avro.specific.SpecificRecord> void decodeFor(
            String jobId, ConsumerRecord<String, byte[]> record, Class<T> type,
            java.util.function.Function<T, String> jobOf, Consumer<T> action) {
        T event = EventCodec.decode(record.value(), type);
        if (jobId.equals(jobOf.apply(event))) {
            action.accept(event);
        }
    }

    /** A masked search whose mask after its last aggregated round has not been seen yet. */
    private static boolean awaitingLastMask(List<ArchitectureMask> masks, List<GlobalModel> rounds) {
        int lastRound = rounds.stream().mapToInt(GlobalModel::getRound).max().orElse(0);
        return !masks.isEmpty() && masks.stream().noneMatch(m -> m.getRound() >= lastRound);
    }

    private static long elapsedMs(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    /** Reads the output topics from their current end, so only this job's new events are seen. */
    private KafkaConsumer<String, byte[]> followFromNow() {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // The coordinator publishes in transactions: only committed events happened.
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(LocalStack.MAX_MESSAGE_BYTES));
        config.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(LocalStack.MAX_MESSAGE_BYTES));
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config);
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(Topics.GLOBAL_MODELS, Topics.SEARCH_COMPLETIONS, Topics.ARCHITECTURE_MASKS,
                Topics.MODELS_READY, Topics.DEAD_LETTERS)) {
            consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // resolve the end offsets now, before the job exists
        return consumer;
    }

    private KafkaProducer<String, byte[]> producer() {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(config);
    }
}
