package io.fedarch.core.federation;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import io.fedarch.core.strategy.RunningWeightedSum;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.events.AsyncAggregation;
import io.fedarch.events.BufferedUpdate;

/**
 * All per-job state of buffered asynchronous aggregation (FedBuff), kept in one place so it is
 * checkpointed as one ({@link JobCheckpoints}): the base models still referenced, the outstanding
 * task of each client, the buffer of accepted updates since the current version, and counters.
 * The current server version is the job's {@code modelVersion}; the job's global model is that
 * version. Part of the job's {@link JobState}.
 */
final class AsyncState {
    /** How many answered or given-up task ids are remembered to recognise their late copies. */
    private static final int REMEMBERED_TASK_IDS = 512;

    /**
     * A task handed to a client: the version its model is, and when it is given up. {@code misses}:
     * the deadlines in a row, before this task, at which a task was reissued as this one with no
     * update counted in the meantime; {@code countedAtIssue}: {@link #counted} when it was issued.
     */
    record Outstanding(String taskEventId, int baseVersion, Instant deadline, int misses, int countedAtIssue) {
        /** A task as a checkpoint restores it: the count of misses starts again after a restart. */
        Outstanding(String taskEventId, int baseVersion, Instant deadline) {
            this(taskEventId, baseVersion, deadline, 0, 0);
        }
    }

    /** An accepted update waiting for the next server step. */
    record Buffered(ReceivedUpdate update, int baseVersion) {
    }

    final AsyncAggregation settings;
    /** Tasks issued so far: numbers the next one. */
    int taskSequence;
    Instant versionStartedAt;
    int droppedStale;
    /**
     * Updates counted (buffered) since this coordinator took the job on; only compared with a task's
     * {@code countedAtIssue}, so it is not checkpointed.
     */
    int counted;
    /**
     * The versions a task or buffered update still refers to, as the server's FP32 models (tasks may
     * travel at FP16; taking deltas from the FP32 model makes a fresh K-buffer with rate 1 land on
     * the mean of the local models, as synchronous FedAvg would).
     */
    final Map<Integer, ModelParameters> baseModels = new TreeMap<>();
    /** At most one task per client. Sorted by client so seeded choices and checkpoints are reproducible. */
    final Map<Integer, Outstanding> outstanding = new TreeMap<>();
    /** In arrival order; kept without their models, which are folded into {@link #deltas}. */
    final List<Buffered> buffer = new ArrayList<>();
    /** Σ staleness weight × (local − base) over the buffer, in double; null while the buffer is empty. */
    RunningWeightedSum deltas;
    /** After a restore: the buffer as the checkpoint recorded it, until its updates are read back ({@link BufferedAsyncPacing#resume}). */
    final List<BufferedUpdate> restoredBuffer = new ArrayList<>();
    private final Deque<String> closedOrder = new ArrayDeque<>();
    private final Set<String> closed = new HashSet<>();

    AsyncState(AsyncAggregation settings, Instant versionStartedAt) {
        this.settings = settings;
        this.versionStartedAt = versionStartedAt;
    }

    /** Clients training at once: the setting, or clientsPerRound when it is 0. */
    static int concurrency(AsyncAggregation settings, int clientsPerRound) {
        return settings.getConcurrency() > 0 ? settings.getConcurrency() : clientsPerRound;
    }

    /** Marks a task answered or given up, so a later copy of its update is ignored. */
    void closeTask(String taskEventId) {
        if (!closed.add(taskEventId)) {
            return;
        }
        closedOrder.addLast(taskEventId);
        if (closedOrder.size() > REMEMBERED_TASK_IDS) {
            closed.remove(closedOrder.removeFirst());
        }
    }

    boolean taskClosed(String taskEventId) {
        return closed.contains(taskEventId);
    }

    List<String> closedTaskIds() {
        return List.copyOf(closedOrder);
    }

    /** Drops the base models no outstanding task or buffered update refers to any more (the current one stays). */
    void forgetUnreferencedBases(int currentVersion) {
        Set<Integer> referenced = new HashSet<>();
        referenced.add(currentVersion);
        outstanding.values().forEach(t -> referenced.add(t.baseVersion()));
        buffer.forEach(b -> referenced.add(b.baseVersion()));
        baseModels.keySet().retainAll(referenced);
    }
}
