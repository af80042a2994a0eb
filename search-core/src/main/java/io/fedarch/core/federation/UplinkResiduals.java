package io.fedarch.core.federation;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

import io.fedarch.core.tensor.ModelParameters;

/**
 * A worker's error-feedback residuals of compressed updates, per (job, client): what the uplink
 * codec dropped from the client's last update, added to its next one. Tasks of a client go to
 * partition {@code clientId mod partitions}, so one worker normally sees all of a client's rounds;
 * after a rebalance another worker starts that client from a zero residual (the dropped part is
 * lost: still a correct update, slightly less accurate), and a worker that gets the client back
 * later adds the older residual, which was never sent either. A task run again for the same round
 * (a redelivery) starts from the residual it started from the first time, so running a
 * task twice does not count its dropped part twice. Bounded: the least recently used entries go
 * first once the residuals hold more than {@code maxBytes}.
 */
public final class UplinkResiduals {
    private record Key(String jobId, int clientId) {
    }

    /** {@code before}: the residual task {@code taskId} (of {@code round}) started from; {@code after}: what it dropped. */
    private record Entry(int round, String taskId, ModelParameters before, ModelParameters after) {
        long bytes() {
            return 4 * ((before == null ? 0 : before.elementCount()) + after.elementCount());
        }
    }

    private final long maxBytes;
    private final Map<Key, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;

    public UplinkResiduals(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /**
     * The residual task {@code taskId} of {@code round} adds: the last one recorded, or the one the
     * same task started from when it runs again; null when none is kept or the kept one is from a later round.
     */
    public synchronized ModelParameters forTask(String jobId, int clientId, int round, String taskId) {
        Entry e = entries.get(new Key(jobId, clientId));
        if (e == null || e.round() > round) {
            return null;
        }
        return e.taskId().equals(taskId) ? e.before() : e.after();
    }

    /** Records what task {@code taskId}'s update dropped; {@code started} is what {@link #forTask} gave it. */
    public synchronized void record(String jobId, int clientId, int round, String taskId, ModelParameters started,
                                    ModelParameters dropped) {
        Key key = new Key(jobId, clientId);
        Entry old = entries.get(key);
        if (old != null && old.round() > round) {
            return;                                        // a straggler's old round: keep the newer residual
        }
        if (old != null) {
            bytes -= old.bytes();
        }
        Entry e = new Entry(round, taskId, started, dropped);
        entries.put(key, e);
        bytes += e.bytes();
        for (Iterator<Map.Entry<Key, Entry>> it = entries.entrySet().iterator(); bytes > maxBytes && it.hasNext(); ) {
            Map.Entry<Key, Entry> eldest = it.next();
            if (eldest.getKey().equals(key)) {
                continue;
            }
            bytes -= eldest.getValue().bytes();
            it.remove();
        }
    }

    public synchronized int size() {
        return entries.size();
    }
}
