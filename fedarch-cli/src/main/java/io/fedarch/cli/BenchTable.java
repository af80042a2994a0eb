package io.fedarch.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The results table of a benchmark, as CSV and Markdown, from the runs' summaries
 * ({@link RunReport#summary}). Rewritten after every run, so an interrupted benchmark keeps what
 * it measured.
 */
final class BenchTable {
    /** Column title, summary key, format. */
    private record Column(String title, String key, String format) {
    }

    private static final List<Column> COLUMNS = List.of(
            new Column("run", "run", "%s"),
            new Column("algorithm", "algorithm", "%s"),
            new Column("partition", "partition", "%s"),
            new Column("global test acc", "testAccuracy", "%.4f"),
            new Column("mean personalized acc", "meanPersonalizedAccuracy", "%.4f"),
            new Column("parameters", "parameterCount", "%d"),
            new Column("MACs", "macs", "%d"),
            new Column("wall s", "wallSeconds", "%.1f"),
            new Column("rounds", "rounds", "%d"),
            new Column("fine-tune rounds", "fineTuneRounds", "%d"),
            new Column("bytes per client-round", "bytesPerClientUpdate", "%d"),
            new Column("ms per local step", "computeMsPerStep", "%.0f"),
            new Column("mean round s", "meanRoundSeconds", "%.1f"));

    private BenchTable() {
    }

    static void write(Path dir, String name, String command, List<Map<String, Object>> rows) {
        List<String> csv = new ArrayList<>();
        csv.add(String.join(",", COLUMNS.stream().map(c -> c.title().replace(' ', '_')).toList()));
        for (Map<String, Object> row : rows) {
            csv.add(String.join(",", COLUMNS.stream().map(c -> cell(row, c)).toList()));
        }
        StringBuilder md = new StringBuilder();
        md.append("# ").append(name).append("\n\n");
        md.append("Produced by `").append(command).append("` on ").append(java.time.LocalDate.now())
                .append(" (").append(Runtime.getRuntime().availableProcessors()).append(" cores).\n\n");
        md.append("| ").append(String.join(" | ", COLUMNS.stream().map(Column::title).toList())).append(" |\n");
        md.append("|").append("---|".repeat(COLUMNS.size())).append("\n");
        for (Map<String, Object> row : rows) {
            md.append("| ").append(String.join(" | ", COLUMNS.stream().map(c -> cell(row, c)).toList())).append(" |\n");
        }
        md.append("\nGlobal accuracy: the delivered global model on the held-out test set. Personalized accuracy: "
                + "each client's adapted model on its own local test split (test images dealt to clients in "
                + "proportion to their training labels), averaged over clients. ms per local step: client compute "
                + "divided by optimiser steps (for FedNAS one step updates alpha and w). Bytes per client-round: "
                + "mean encoded update of the search (or training) rounds.\n");
        for (Map<String, Object> row : rows) {
            if (row.get("genotype") != null) {
                md.append("\n").append(row.get("run")).append(" genotype: `").append(row.get("genotype")).append("`\n");
            }
        }
        try {
            Files.createDirectories(dir);
            Files.write(dir.resolve("results.csv"), csv);
            Files.writeString(dir.resolve("results.md"), md.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the benchmark table to " + dir, e);
        }
    }

    private static String cell(Map<String, Object> row, Column column) {
        Object value = row.get(column.key());
        if (value == null) {
            return "";
        }
        if (value instanceof Double d && d.isNaN()) {
            return "";
        }
        if (column.format().equals("%d") && value instanceof Number n) {
            return Long.toString(n.longValue());
        }
        return String.format(Locale.ROOT, column.format(), value);
    }
}
