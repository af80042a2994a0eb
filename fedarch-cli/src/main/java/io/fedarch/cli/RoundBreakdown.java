package io.fedarch.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import io.fedarch.events.RoundMetrics;

/**
 * A synchronous round's wall time (round_ms: from handling the input that opened it to handling its
 * last update) split into where it went, in seconds, from the figures the coordinator
 * ({@code time.coordinator*}) and the workers ({@code time.*}, means over the round's W workers) put
 * into RoundMetrics.custom. The parts add up to the round's wall time: the coordinator opening the
 * round (deciding, encoding, committing the transaction), then for the mean worker its tasks' phases,
 * its wait for the round's last update after its own, and the rest: {@link #transport()}, the time
 * its tasks and updates spent in the broker and in polls (the one part computed as a difference).
 * Overhead is everything but evaluation and training.
 */
record RoundBreakdown(double roundSeconds, int workers, double coordinatorDecide, double coordinatorEncode,
                      double coordinatorCommit, double taskDecode, double load, double evaluateGlobal, double train,
                      double evaluateLocal, double updateEncode, double clientOther, double waiting,
                      Double updateVerifyMs, Double updateCommitMs) {

    /** The rounds.csv columns, in order; their parts from coord_decide_s to wait_s add up to round_s. */
    static final String HEADER = "round_s,workers,coord_decide_s,coord_encode_s,coord_commit_s,task_decode_s,load_s,"
            + "eval_global_s,train_s,eval_local_s,update_encode_s,client_other_s,transport_s,wait_s,overhead_s,"
            + "overhead_share,update_verify_ms,update_commit_ms";

    /** The breakdown of a round, when the coordinator and every worker reported their parts. */
    static Optional<RoundBreakdown> of(RoundMetrics m) {
        Map<String, Double> c = m.getCustom();
        if (!c.containsKey("time.workers") || !c.containsKey("time.coordinatorCommitMs")) {
            return Optional.empty();
        }
        return Optional.of(new RoundBreakdown(m.getRoundMs() / 1000.0, c.get("time.workers").intValue(),
                s(c, "time.coordinatorEngineMs"), s(c, "time.coordinatorEncodeMs"), s(c, "time.coordinatorCommitMs"),
                s(c, "time.taskDecodeMs"), s(c, "time.loadMs"), s(c, "time.evalGlobalMs"), s(c, "time.trainMs"),
                s(c, "time.evalLocalMs"), s(c, "time.updateEncodeMs"), s(c, "time.clientOtherMs"),
                s(c, "time.waitMs"), c.get("time.updateVerifyMs"), c.get("time.updateCommitMs")));
    }

    private static double s(Map<String, Double> custom, String key) {
        return custom.getOrDefault(key, 0.0) / 1000.0;
    }

    /** Evaluation and training, the time the round exists for. */
    double compute() {
        return evaluateGlobal + train + evaluateLocal;
    }

    /** Delivery through the broker and polls: the round's wall time that no measured part accounts for. */
    double transport() {
        return roundSeconds - coordinatorDecide - coordinatorEncode - coordinatorCommit - taskDecode - load
                - compute() - updateEncode - clientOther - waiting;
    }

    /** Everything that is not evaluation or training. */
    double overhead() {
        return roundSeconds - compute();
    }

    double overheadShare() {
        return roundSeconds <= 0 ? 0 : overhead() / roundSeconds;
    }

    /** The named parts (seconds) that add up to the round's wall time, in column order. */
    Map<String, Double> parts() {
        Map<String, Double> parts = new LinkedHashMap<>();
        parts.put("coordinatorDecide", coordinatorDecide);
        parts.put("coordinatorEncode", coordinatorEncode);
        parts.put("coordinatorCommit", coordinatorCommit);
        parts.put("taskDecode", taskDecode);
        parts.put("load", load);
        parts.put("evaluateGlobal", evaluateGlobal);
        parts.put("train", train);
        parts.put("evaluateLocal", evaluateLocal);
        parts.put("updateEncode", updateEncode);
        parts.put("clientOther", clientOther);
        parts.put("transport", transport());
        parts.put("wait", waiting);
        return parts;
    }

    /** The rounds.csv cells of {@link #HEADER}. */
    List<String> cells() {
        List<String> cells = new ArrayList<>();
        cells.add(seconds(roundSeconds));
        cells.add(Integer.toString(workers));
        parts().values().forEach(v -> cells.add(seconds(v)));
        cells.add(seconds(overhead()));
        cells.add(String.format(Locale.ROOT, "%.4f", overheadShare()));
        cells.add(updateVerifyMs == null ? "" : String.format(Locale.ROOT, "%.2f", updateVerifyMs));
        cells.add(updateCommitMs == null ? "" : String.format(Locale.ROOT, "%.2f", updateCommitMs));
        return cells;
    }

    /** Empty cells for a round without a breakdown (asynchronous versions, older services, a restart). */
    static List<String> emptyCells() {
        List<String> cells = new ArrayList<>();
        for (int i = 0; i < HEADER.split(",").length; i++) {
            cells.add("");
        }
        return cells;
    }

    private static String seconds(double value) {
        return String.format(Locale.ROOT, "%.3f", value);
    }
}
