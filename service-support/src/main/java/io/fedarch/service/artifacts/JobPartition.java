package io.fedarch.service.artifacts;

import java.nio.charset.StandardCharsets;

import org.apache.kafka.common.utils.Utils;

/**
 * The partition of {@code fedarch.artifact-chunks} every chunk of a job goes to:
 * {@code (murmur2(UTF-8 jobId) & 0x7fffffff) mod partitions}, where Kafka's default partitioner puts a
 * record keyed by the job id.
 *
 * <p>Why an explicit partition and not a custom partitioner or the key: the key must differ per chunk for
 * compaction, and the default partitioner would then scatter one delivery over every partition; a custom
 * partitioner class would have to be configured in every producer and is invisible to readers. A partition
 * computed from this documented formula is one any reader can compute (examples/clients/fetch_model.py
 * does, in Python), so it reads only one partition, and the idempotent producer keeps the chunks in order
 * there. The topic's partition count must therefore never grow; a reader that cannot be sure scans all.
 */
public final class JobPartition {

    private JobPartition() {
    }

    public static int of(String jobId, int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("a topic has at least one partition, got " + partitions);
        }
        return Utils.toPositive(Utils.murmur2(jobId.getBytes(StandardCharsets.UTF_8))) % partitions;
    }
}
