package io.fedarch.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * How long each run takes to reach what the reference run ends with: the reference accuracy is
 * the reference run's final-round global validation accuracy (its last rounds.csv row, whatever
 * the stage); a run reaches it at the end of its first round whose global validation accuracy is
 * at least that, timed from the run's submission (elapsed_ms).
 */
final class TimeToReference {
    private TimeToReference() {
    }

    static OptionalDouble referenceAccuracy(List<RoundsCsv.Row> referenceRounds) {
        return referenceRounds.isEmpty() ? OptionalDouble.empty()
                : OptionalDouble.of(referenceRounds.get(referenceRounds.size() - 1).globalValidationAccuracy());
    }

    /** The earliest timed round at or above {@code reference}; empty if none is. */
    static Optional<RoundsCsv.Row> firstReaching(List<RoundsCsv.Row> rounds, double reference) {
        return rounds.stream()
                .filter(r -> r.elapsedMs() != null && r.globalValidationAccuracy() >= reference)
                .min(Comparator.comparingLong(RoundsCsv.Row::elapsedMs));
    }

    /** The section; "" when the benchmark names no reference. */
    static String markdown(String referenceRun, List<Map<String, Object>> rows, Map<String, List<RoundsCsv.Row>> rounds) {
        if (referenceRun == null) {
            return "";
        }
        OptionalDouble reference = referenceAccuracy(rounds.getOrDefault(referenceRun, List.of()));
        if (reference.isEmpty()) {
            return "\n## Time to reference accuracy\n\nThe reference run " + referenceRun + " has no rounds yet.\n";
        }
        return section(reference.getAsDouble(), "the final-round global validation accuracy of " + referenceRun,
                rows, rounds);
    }

    /** The section for a benchmark's fixed targetAccuracy. */
    static String markdownForTarget(double target, List<Map<String, Object>> rows, Map<String, List<RoundsCsv.Row>> rounds) {
        return section(target, "the benchmark's targetAccuracy", rows, rounds);
    }

    private static String section(double reference, String what, List<Map<String, Object>> rows,
                                  Map<String, List<RoundsCsv.Row>> rounds) {
        StringBuilder md = new StringBuilder("\n## Time to reference accuracy\n\n");
        md.append(String.format(Locale.ROOT, "Reference accuracy %.4f: %s. Time to reference: seconds from a run's "
                + "submission to the end of its first round (any stage) whose global validation accuracy is at least "
                + "that.%n%n", reference, what));
        List<List<String>> table = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            String run = String.valueOf(row.get("run"));
            Optional<RoundsCsv.Row> reached = firstReaching(rounds.getOrDefault(run, List.of()), reference);
            table.add(List.of(run,
                    reached.map(r -> String.format(Locale.ROOT, "%.1f", r.elapsedMs() / 1000.0)).orElse("not reached"),
                    reached.map(r -> r.stage() + " round " + r.round()).orElse(""),
                    row.get("wallSeconds") instanceof Number wall ? String.format(Locale.ROOT, "%.1f", wall.doubleValue())
                            : ""));
        }
        return md.append(MarkdownTable.render(List.of("run", "time to reference s", "reached in", "wall s"), table))
                .toString();
    }
}
