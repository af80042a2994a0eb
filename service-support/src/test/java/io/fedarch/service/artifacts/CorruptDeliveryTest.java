package io.fedarch.service.artifacts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import io.fedarch.broker.KafkaBrokerProcess;
import io.fedarch.events.ArtifactChunk;

/**
 * Deliveries whose chunks on the topic are broken in one way each: the reader refuses them with a message
 * that says what is wrong, and writes no file.
 */
@ExtendWith(ArtifactTopicBroker.class)
class CorruptDeliveryTest {
    private static final String JOB = "job-corrupt";
    private static final byte[] CONTENT = "0123456789abcdefghij".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path out;

    @Test
    void aMissingChunkIsNamed(KafkaBrokerProcess broker) {
        String delivery = write(broker, List.of(chunk(0, 3, 0, 7), chunk(2, 3, 14, 6)));
        assertRefused(broker, delivery, "chunks [1] of model.bin are missing (2 of 3 present)");
    }

    @Test
    void aDuplicatedChunkIsRefused(KafkaBrokerProcess broker) {
        String delivery = write(broker, List.of(chunk(0, 2, 0, 10), chunk(1, 2, 10, 10), chunk(1, 2, 10, 10)));
        assertRefused(broker, delivery, "chunk 1 of model.bin is duplicated");
    }

    @Test
    void chunksThatDisagreeAboutTheFileAreRefused(KafkaBrokerProcess broker) {
        String delivery = write(broker, List.of(chunk(0, 2, 0, 10), chunk(1, 3, 10, 10)));
        assertRefused(broker, delivery, "inconsistent chunks of model.bin");
    }

    @Test
    void aGapBetweenChunksIsRefused(KafkaBrokerProcess broker) {
        String delivery = write(broker, List.of(chunk(0, 2, 0, 8), chunk(1, 2, 10, 10)));
        assertRefused(broker, delivery, "chunk 1 of model.bin starts at byte 10 but the chunks before it end at 8");
    }

    @Test
    void corruptDataFailsTheDigest(KafkaBrokerProcess broker) {
        ArtifactChunk damaged = chunk(1, 2, 10, 10);
        byte[] data = Arrays.copyOfRange(CONTENT, 10, 20);
        data[3] ^= 0x01;
        damaged.setData(ByteBuffer.wrap(data));
        String delivery = write(broker, List.of(chunk(0, 2, 0, 10), damaged));
        assertRefused(broker, delivery, "SHA-256 of the reassembled model.bin is ");
    }

    @Test
    void aNameThatClimbsOutOfTheOutputDirectoryIsRefused(KafkaBrokerProcess broker) {
        UnaryOperator<ArtifactChunk> escape = c -> {
            c.setFileName("../escaped.bin");
            return c;
        };
        String delivery = write(broker, List.of(escape.apply(chunk(0, 1, 0, 20))));
        assertRefused(broker, delivery, "refusing the unsafe file name '../escaped.bin'");
        assertFalse(Files.exists(out.resolveSibling("escaped.bin")));
    }

    @Test
    void aDeliveryWithoutChunksIsReported(KafkaBrokerProcess broker) {
        String absent = UUID.randomUUID().toString();
        assertRefused(broker, absent, "no chunk of delivery " + absent + " in partition " + JobPartition.of(JOB, 3));
    }

    @Test
    void theSameChunksIntactAreAccepted(KafkaBrokerProcess broker) throws Exception {
        String delivery = write(broker, List.of(chunk(1, 3, 7, 7), chunk(0, 3, 0, 7), chunk(2, 3, 14, 6)));
        new AvscOnlyDeliveryReader(broker.bootstrapServers()).fetch(JOB, delivery, out);
        assertEquals(new String(CONTENT, StandardCharsets.US_ASCII), Files.readString(out.resolve("model.bin")));
    }

    private void assertRefused(KafkaBrokerProcess broker, String delivery, String reason) {
        DeliveryReassemblyException refused = assertThrows(DeliveryReassemblyException.class,
                () -> new AvscOnlyDeliveryReader(broker.bootstrapServers()).fetch(JOB, delivery, out));
        assertTrue(refused.getMessage().startsWith(reason), refused.getMessage());
        assertFalse(Files.exists(out.resolve("model.bin")), "nothing written for a refused delivery");
    }

    private static ArtifactChunk chunk(int index, int count, int offset, int length) {
        return HandmadeChunks.chunk(JOB, "model.bin", CONTENT, index, count, offset, length);
    }

    /** Writes the chunks as one new delivery and returns its id. */
    private static String write(KafkaBrokerProcess broker, List<ArtifactChunk> chunks) {
        String delivery = UUID.randomUUID().toString();
        HandmadeChunks.write(broker, JOB, delivery, chunks);
        return delivery;
    }
}
