package io.fedarch.service.artifacts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import io.fedarch.broker.KafkaBrokerProcess;

/**
 * A 300 MiB model file, larger than this JVM's whole heap, travels through the chunked topic in 4 MiB chunks
 * and is reassembled by the .avsc-only reader with its SHA-256 verified: both sides stream.
 */
@ExtendWith(ArtifactTopicBroker.class)
class LargeDeliveryTest {
    private static final long SIZE = 300L << 20;

    @TempDir
    Path dir;

    @Test
    void a300MiBFileIsPublishedAndReassembledWithinASmallerHeap(KafkaBrokerProcess broker) throws Exception {
        long heap = Runtime.getRuntime().maxMemory();
        assertTrue(heap < SIZE, "the test proves streaming only with a heap below the file size; heap " + heap);
        Path source = dir.resolve("in/model.safetensors");
        long started = System.nanoTime();
        String sha256 = TestFiles.writeRandom(source, SIZE, 300);
        long generated = System.nanoTime();

        DeliveredModel delivery = DeliveredModel.global("job-large", UUID.randomUUID().toString());
        List<PublishedArtifact> published;
        try (ArtifactChunkPublisher publisher = new ArtifactChunkPublisher(
                Map.of("bootstrap.servers", broker.bootstrapServers()))) {
            published = publisher.publish(delivery,
                    List.of(new ArtifactFile(source, "global/model.safetensors", "application/octet-stream")));
        }
        long acknowledged = System.nanoTime();
        assertEquals(List.of(new PublishedArtifact("global/model.safetensors", "application/octet-stream", SIZE,
                sha256, 75)), published, "75 chunks of 4 MiB");

        Path out = dir.resolve("out");
        List<ReassembledFile> fetched = new AvscOnlyDeliveryReader(broker.bootstrapServers())
                .fetch(delivery.jobId(), delivery.deliveryId(), out);
        long reassembled = System.nanoTime();

        assertEquals(1, fetched.size());
        assertEquals(SIZE, Files.size(out.resolve("global/model.safetensors")));
        assertEquals(sha256, fetched.get(0).sha256());
        assertEquals(sha256, TestFiles.sha256(out.resolve("global/model.safetensors")),
                "the file on disk, digested again independently of the reader");
        System.out.printf("LargeDeliveryTest: %d MiB, heap %d MiB: generated in %d ms, published and acknowledged in"
                        + " %d ms, reassembled and verified in %d ms%n", SIZE >> 20, heap >> 20,
                (generated - started) / 1_000_000, (acknowledged - generated) / 1_000_000,
                (reassembled - acknowledged) / 1_000_000);
    }
}
