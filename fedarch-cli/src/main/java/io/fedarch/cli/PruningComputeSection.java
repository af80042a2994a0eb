package io.fedarch.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The results section of soft-pruning searches (runs with a masks.csv): per search round, the
 * operations its clients searched and what the round cost, to show the compute falling as the
 * search space shrinks.
 */
final class PruningComputeSection {
    private PruningComputeSection() {
    }

    /** The section; "" when no run has masks. */
    static String markdown(Path dir, List<Map<String, Object>> rows, Map<String, List<RoundsCsv.Row>> rounds) {
        List<List<String>> table = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            String run = String.valueOf(row.get("run"));
            if (!Files.isRegularFile(dir.resolve(run).resolve("masks.csv"))) {
                continue;
            }
            for (RoundsCsv.Row round : rounds.getOrDefault(run, List.of())) {
                if (round.stage().equals("fine-tune")) {
                    continue;
                }
                table.add(List.of(run, Integer.toString(round.round()), text(round.activeOperations()),
                        text(round.computeMsMean()), text(round.roundMs())));
            }
        }
        if (table.isEmpty()) {
            return "";
        }
        return "\n## Per-round compute as pruning proceeds\n\nSearch rounds of the runs with architecture masks: "
                + "the operations the round searched (those active in the mask published after the previous round; "
                + "empty for round 1, which searches the whole space), the clients' mean compute and the round's "
                + "wall time.\n\n"
                + MarkdownTable.render(List.of("run", "round", "active operations", "compute ms mean", "round ms"), table);
    }

    private static String text(Object value) {
        return value == null ? "" : value.toString();
    }
}
