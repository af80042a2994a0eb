package io.fedarch.coordinator.service;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * The coordinator's side of a round's time breakdown (RoundMetrics.custom; the workers' side is
 * {@code RoundTimeBreakdown}). A round's wall time starts when the input that opens it is handled —
 * the previous round's last update, or the job itself — so what handling that input cost is the
 * round's first part, during which no worker can start: the engine's decision (admitting that update,
 * aggregating, planning the round), encoding the events and the checkpoint, and the transaction
 * that makes them visible. Kept in memory only: a round opened before a restart reports none.
 * <p>
 * The update inputs handled while the round runs overlap the workers' compute; their mean signature
 * check and transaction commit are reported too, for what the transactions and signatures cost.
 */
@ApplicationScoped
public class CoordinatorRoundCosts {
    /** Milliseconds the engine took to handle the input that opened the round. */
    public static final String ENGINE_MS = "time.coordinatorEngineMs";
    /** Milliseconds spent encoding that input's events (global model, tasks) and the job's checkpoint. */
    public static final String ENCODE_MS = "time.coordinatorEncodeMs";
    /** Milliseconds its Kafka transaction took (send, offsets, commit). */
    public static final String COMMIT_MS = "time.coordinatorCommitMs";
    /** Mean milliseconds of the signature check of the round's update inputs (0 without update keys). */
    public static final String UPDATE_VERIFY_MS = "time.updateVerifyMs";
    /** Mean milliseconds of the transaction of each update input that did not close the round. */
    public static final String UPDATE_COMMIT_MS = "time.updateCommitMs";

    private record Opening(int round, Map<String, Double> costs) {
    }

    private static final class UpdateInputs {
        long verified;
        long verifyNanos;
        long committed;
        long commitNanos;
    }

    private final Map<String, Opening> openings = new ConcurrentHashMap<>();
    private final Map<String, UpdateInputs> updateInputs = new ConcurrentHashMap<>();

    /** Records what opening {@code round} of the job cost. */
    void opened(String jobId, int round, long engineNanos, long encodeNanos, long commitNanos) {
        Map<String, Double> costs = new LinkedHashMap<>();
        costs.put(ENGINE_MS, engineNanos / 1e6);
        costs.put(ENCODE_MS, encodeNanos / 1e6);
        costs.put(COMMIT_MS, commitNanos / 1e6);
        openings.put(jobId, new Opening(round, costs));
        updateInputs.remove(jobId);
    }

    void verified(String jobId, long nanos) {
        UpdateInputs inputs = updateInputs.computeIfAbsent(jobId, id -> new UpdateInputs());
        synchronized (inputs) {
            inputs.verified++;
            inputs.verifyNanos += nanos;
        }
    }

    void committed(String jobId, long nanos) {
        UpdateInputs inputs = updateInputs.computeIfAbsent(jobId, id -> new UpdateInputs());
        synchronized (inputs) {
            inputs.committed++;
            inputs.commitNanos += nanos;
        }
    }

    /** The coordinator's figures for the job's closing {@code round}; none when it was opened before a restart. */
    Map<String, Double> of(String jobId, int round) {
        Opening opening = openings.get(jobId);
        if (opening == null || opening.round() != round) {
            return Map.of();
        }
        Map<String, Double> out = new LinkedHashMap<>(opening.costs());
        UpdateInputs inputs = updateInputs.get(jobId);
        if (inputs != null) {
            synchronized (inputs) {
                out.put(UPDATE_VERIFY_MS, inputs.verified == 0 ? 0.0 : inputs.verifyNanos / 1e6 / inputs.verified);
                out.put(UPDATE_COMMIT_MS, inputs.committed == 0 ? 0.0 : inputs.commitNanos / 1e6 / inputs.committed);
            }
        }
        return out;
    }

    /** Forgets a job that completed. */
    void forget(String jobId) {
        openings.remove(jobId);
        updateInputs.remove(jobId);
    }
}
