"""Where Kafka's default partitioner puts a record keyed by a job id: ArtifactChunk.avsc tells readers of a
delivery to read only that partition."""


def murmur2(data):
    """Kafka's murmur2 (what its default partitioner hashes keys with), on unsigned 32-bit values."""
    m, r, mask = 0x5BD1E995, 24, 0xFFFFFFFF
    length = len(data)
    h = (0x9747B28C ^ length) & mask
    for i in range(0, length - length % 4, 4):
        k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24)
        k = (k * m) & mask
        k ^= k >> r
        k = (k * m) & mask
        h = ((h * m) & mask) ^ k
    tail, rest = length - length % 4, length % 4
    if rest == 3:
        h ^= data[tail + 2] << 16
    if rest >= 2:
        h ^= data[tail + 1] << 8
    if rest >= 1:
        h ^= data[tail]
        h = (h * m) & mask
    h ^= h >> 13
    h = (h * m) & mask
    h ^= h >> 15
    return h


def job_partition(job_id, partitions):
    """(murmur2(UTF-8 jobId) & 0x7fffffff) mod the partition count."""
    return (murmur2(job_id.encode("utf-8")) & 0x7FFFFFFF) % partitions
