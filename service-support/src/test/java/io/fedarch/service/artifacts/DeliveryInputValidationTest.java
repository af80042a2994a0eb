package io.fedarch.service.artifacts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import io.fedarch.events.ModelScope;

/** What the exporter may hand the publisher: names consumers can write safely, and a consistent identity. */
class DeliveryInputValidationTest {

    @Test
    void fileNamesMustBeRelativePathsThatStayInsideTheDelivery() {
        for (String bad : new String[] {"", "/etc/passwd", "../model.bin", "global/../../x", "global//x", "./x",
                "global\\x", "C:model.bin", "global/"}) {
            IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                    () -> new ArtifactFile(Path.of("x"), bad, "application/octet-stream"), bad);
            assertEquals(true, refused.getMessage().startsWith("file name must"), refused.getMessage());
        }
        assertEquals("global/model.safetensors",
                new ArtifactFile(Path.of("x"), "global/model.safetensors", "application/octet-stream").name());
        assertEquals("mediaType of a.bin must not be blank",
                assertThrows(IllegalArgumentException.class, () -> new ArtifactFile(Path.of("x"), "a.bin", " ")).getMessage());
    }

    @Test
    void theIdentityMatchesTheScopeAndKeepsKeysUnambiguous() {
        assertEquals("deliveryId must not contain ':', got 'a:b'",
                assertThrows(IllegalArgumentException.class, () -> DeliveredModel.global("job", "a:b")).getMessage());
        assertEquals("clientId is set exactly for scope CLIENT; got scope GLOBAL with clientId 3",
                assertThrows(IllegalArgumentException.class,
                        () -> new DeliveredModel("job", "d", ModelScope.GLOBAL, 3, null)).getMessage());
        assertEquals("macsBudget is set exactly for scope BUDGET; got scope BUDGET with macsBudget null",
                assertThrows(IllegalArgumentException.class,
                        () -> new DeliveredModel("job", "d", ModelScope.BUDGET, null, null)).getMessage());
        assertEquals("jobId must not be blank",
                assertThrows(IllegalArgumentException.class, () -> DeliveredModel.global(" ", "d")).getMessage());
        assertEquals("d:12:global/a:b.bin", ArtifactChunkKey.of("d", 12, "global/a:b.bin"));
    }

    @Test
    void aChunkSizeOutsideTheRangeIsRefusedBeforeAnyConnection() {
        assertEquals("chunkBytes must be 1.." + ArtifactChunkPublisher.MAX_CHUNK_BYTES + ", got 0",
                assertThrows(IllegalArgumentException.class,
                        () -> new ArtifactChunkPublisher(java.util.Map.of(), 0)).getMessage());
    }

    @Test
    void theJobPartitionIsWhereTheDefaultPartitionerPutsARecordKeyedByTheJob() {
        // Kafka's own choice for a keyed record without an explicit partition (BuiltInPartitioner), 3 partitions.
        org.apache.kafka.common.serialization.StringSerializer keys = new org.apache.kafka.common.serialization.StringSerializer();
        for (String job : new String[] {"job-1", "job-large", "py-0123456789abcdef", "ü-job"}) {
            int expected = org.apache.kafka.clients.producer.internals.BuiltInPartitioner
                    .partitionForKey(keys.serialize("t", job), 3);
            assertEquals(expected, JobPartition.of(job, 3), job);
        }
    }
}
