package io.fedarch.service.artifacts;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Stream;

import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;

/**
 * The reference consumer of {@code fedarch.artifact-chunks}, written from the ArtifactChunk .avsc doc alone:
 * generic Avro records decoded with the .avsc files, a plain kafka-clients consumer, no fedarch code.
 *
 * <p>It reads the job's partition from the beginning to its current end, writes every chunk of the wanted
 * delivery at its offset into a partial file per (file, publication), takes per file the publication of the
 * newest record, checks that its chunks are complete, unique and consistent and that the result has the
 * stated size and SHA-256, and only then moves it to {@code outputDir/fileName}. Memory holds one poll of
 * records, never a whole file.
 */
final class AvscOnlyDeliveryReader {
    static final String TOPIC = "fedarch.artifact-chunks";

    private final AvscContract contract = new AvscContract();
    private final String bootstrapServers;

    AvscOnlyDeliveryReader(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    /** Where one chunk's data went and what it said about its file. */
    private record Chunk(int index, int count, long offset, int length, long fileSize, String sha256,
                         String mediaType, long recordOffset) {
    }

    /** The chunks of one file from one publication, as they arrived. */
    private static final class Part {
        final Path path;
        final List<Chunk> chunks = new ArrayList<>();
        long newestRecordOffset = -1;

        Part(Path path) {
            this.path = path;
        }
    }

    List<ReassembledFile> fetch(String jobId, String deliveryId, Path outputDir) throws IOException {
        Path partialDir = outputDir.resolve(".partial");
        // fileName → publicationId → its chunks; insertion order = the order files arrived in.
        Map<String, Map<String, Part>> parts = new LinkedHashMap<>();
        List<ReassembledFile> files = new ArrayList<>();
        try {
            int partition = readDelivery(jobId, deliveryId, partialDir, parts);
            if (parts.isEmpty()) {
                throw new DeliveryReassemblyException("no chunk of delivery " + deliveryId + " in partition "
                        + partition + " of " + TOPIC + " (the partition of job " + jobId + ")");
            }
            for (Map.Entry<String, Map<String, Part>> file : parts.entrySet()) {
                Part newest = file.getValue().values().stream()
                        .max(Comparator.comparingLong(p -> p.newestRecordOffset)).orElseThrow();
                files.add(verifyAndPlace(file.getKey(), newest, outputDir));
            }
        } finally {
            deleteTree(partialDir);
        }
        return files;
    }

    private int readDelivery(String jobId, String deliveryId, Path partialDir, Map<String, Map<String, Part>> parts)
            throws IOException {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // A few chunks per poll: memory stays a small multiple of the chunk size.
        config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, Integer.toString(16 << 20));
        config.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Integer.toString(16 << 20));
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "8");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config)) {
            int partitions = consumer.partitionsFor(TOPIC, Duration.ofSeconds(30)).size();
            // The documented partition: where Kafka's default partitioner puts a record keyed by the job id.
            int partition = Utils.toPositive(Utils.murmur2(jobId.getBytes(StandardCharsets.UTF_8))) % partitions;
            TopicPartition topicPartition = new TopicPartition(TOPIC, partition);
            consumer.assign(List.of(topicPartition));
            consumer.seekToBeginning(List.of(topicPartition));
            long end = consumer.endOffsets(List.of(topicPartition)).get(topicPartition);
            long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
            while (consumer.position(topicPartition) < end) {
                if (System.nanoTime() > deadline) {
                    throw new DeliveryReassemblyException("partition " + partition + " of " + TOPIC
                            + " not read to offset " + end + " within 10 minutes");
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofSeconds(1))) {
                    GenericRecord chunk = contract.decode(record.value());
                    if (!chunk.getSchema().getName().equals("ArtifactChunk")) {
                        throw new DeliveryReassemblyException("offset " + record.offset() + " of " + TOPIC + " holds a "
                                + chunk.getSchema().getName() + ", not an ArtifactChunk");
                    }
                    if (deliveryId.equals(chunk.get("deliveryId").toString())) {
                        store(chunk, record.offset(), partialDir, parts);
                    }
                }
            }
            return partition;
        }
    }

    private static void store(GenericRecord chunk, long recordOffset, Path partialDir,
                              Map<String, Map<String, Part>> parts) throws IOException {
        String fileName = chunk.get("fileName").toString();
        requireSafeName(fileName);
        String publicationId = chunk.get("publicationId").toString();
        Part part = parts.computeIfAbsent(fileName, name -> new LinkedHashMap<>())
                .computeIfAbsent(publicationId, id -> new Part(partialDir.resolve(id).resolve(fileName)));
        ByteBuffer data = (ByteBuffer) chunk.get("data");
        long offset = (Long) chunk.get("offsetBytes");
        if (offset < 0) {
            throw new DeliveryReassemblyException("chunk " + chunk.get("chunkIndex") + " of " + fileName
                    + " has a negative offset " + offset);
        }
        part.chunks.add(new Chunk((Integer) chunk.get("chunkIndex"), (Integer) chunk.get("chunkCount"), offset,
                data.remaining(), (Long) chunk.get("fileSizeBytes"), chunk.get("fileSha256").toString(),
                chunk.get("mediaType").toString(), recordOffset));
        part.newestRecordOffset = Math.max(part.newestRecordOffset, recordOffset);
        Files.createDirectories(part.path.getParent());
        try (FileChannel out = FileChannel.open(part.path, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            for (long at = offset; data.hasRemaining(); ) {
                at += out.write(data, at);
            }
        }
    }

    private static ReassembledFile verifyAndPlace(String fileName, Part part, Path outputDir) throws IOException {
        Chunk first = part.chunks.get(0);
        for (Chunk chunk : part.chunks) {
            if (chunk.count != first.count || chunk.fileSize != first.fileSize || !chunk.sha256.equals(first.sha256)
                    || !chunk.mediaType.equals(first.mediaType)) {
                throw new DeliveryReassemblyException("inconsistent chunks of " + fileName + ": chunk " + first.index
                        + " says " + describe(first) + ", chunk " + chunk.index + " says " + describe(chunk));
            }
            if (chunk.index < 0 || chunk.index >= chunk.count) {
                throw new DeliveryReassemblyException("chunk index " + chunk.index + " of " + fileName
                        + " is outside 0.." + (chunk.count - 1));
            }
        }
        TreeMap<Integer, Chunk> byIndex = new TreeMap<>();
        for (Chunk chunk : part.chunks) {
            Chunk earlier = byIndex.put(chunk.index, chunk);
            if (earlier != null) {
                throw new DeliveryReassemblyException("chunk " + chunk.index + " of " + fileName
                        + " is duplicated: records at offsets " + earlier.recordOffset + " and " + chunk.recordOffset);
            }
        }
        List<Integer> missing = new ArrayList<>();
        for (int index = 0; index < first.count; index++) {
            if (!byIndex.containsKey(index)) {
                missing.add(index);
            }
        }
        if (!missing.isEmpty()) {
            throw new DeliveryReassemblyException("chunks " + missing + " of " + fileName + " are missing ("
                    + byIndex.size() + " of " + first.count + " present)");
        }
        long expectedOffset = 0;
        for (Chunk chunk : byIndex.values()) {
            if (chunk.offset != expectedOffset) {
                throw new DeliveryReassemblyException("chunk " + chunk.index + " of " + fileName + " starts at byte "
                        + chunk.offset + " but the chunks before it end at " + expectedOffset);
            }
            expectedOffset += chunk.length;
        }
        if (expectedOffset != first.fileSize) {
            throw new DeliveryReassemblyException("the chunks of " + fileName + " hold " + expectedOffset
                    + " bytes but the file has " + first.fileSize);
        }
        String actual = sha256(part.path);
        if (!actual.equals(first.sha256)) {
            throw new DeliveryReassemblyException("SHA-256 of the reassembled " + fileName + " is " + actual
                    + ", the chunks state " + first.sha256);
        }
        Path target = outputDir.resolve(fileName);
        Files.createDirectories(target.getParent());
        Files.move(part.path, target, StandardCopyOption.REPLACE_EXISTING);
        return new ReassembledFile(fileName, first.mediaType, target, first.fileSize, actual, first.count);
    }

    private static String describe(Chunk chunk) {
        return "chunkCount " + chunk.count + ", fileSizeBytes " + chunk.fileSize + ", fileSha256 " + chunk.sha256
                + ", mediaType " + chunk.mediaType;
    }

    /** A name from the topic decides where this reader writes: it must stay under the output directory. */
    private static void requireSafeName(String fileName) {
        boolean unsafe = fileName.isEmpty() || fileName.startsWith("/") || fileName.contains("\\");
        for (String segment : fileName.split("/", -1)) {
            unsafe |= segment.isEmpty() || segment.equals(".") || segment.equals("..");
        }
        if (unsafe) {
            throw new DeliveryReassemblyException("refusing the unsafe file name '" + fileName + "'");
        }
    }

    private static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        byte[] buffer = new byte[1 << 20];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }
}
