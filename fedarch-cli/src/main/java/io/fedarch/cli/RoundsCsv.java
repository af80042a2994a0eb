package io.fedarch.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A run's rounds.csv ({@link RunReport}) read back for the benchmark table and plot. Columns are
 * found by name, so files written before a column existed still read (its values are null).
 */
final class RoundsCsv {
    /** The columns the benchmark uses of one round; null where the file has no value. */
    record Row(String stage, int round, double globalValidationAccuracy, Long elapsedMs, Integer activeOperations,
               Long computeMsMean, Long roundMs) {
    }

    private RoundsCsv() {
    }

    /** The rows of {@code file} in file order (search or training rounds, then fine-tuning); none if it is missing. */
    static List<Row> read(Path file) {
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        if (lines.isEmpty()) {
            return List.of();
        }
        List<String> header = Csv.split(lines.get(0));
        List<Row> rows = new ArrayList<>();
        for (String line : lines.subList(1, lines.size())) {
            if (line.isBlank()) {
                continue;
            }
            List<String> fields = Csv.split(line);
            String stage = text(header, fields, "stage");
            String round = text(header, fields, "round");
            String accuracy = text(header, fields, "global_val_acc");
            if (stage == null || round == null || accuracy == null) {
                continue; // a row cut short (the run was killed while writing): the table goes on without it
            }
            try {
                rows.add(new Row(stage, Integer.parseInt(round), Double.parseDouble(accuracy),
                        number(header, fields, "elapsed_ms"), integer(header, fields, "active_operations"),
                        number(header, fields, "compute_ms_mean"), number(header, fields, "round_ms")));
            } catch (NumberFormatException e) {
                continue; // likewise: one unreadable row must not stop the benchmark's table
            }
        }
        return rows;
    }

    private static String text(List<String> header, List<String> fields, String column) {
        int i = header.indexOf(column);
        return i < 0 || i >= fields.size() || fields.get(i).isEmpty() ? null : fields.get(i);
    }

    private static Long number(List<String> header, List<String> fields, String column) {
        String value = text(header, fields, column);
        return value == null ? null : Long.valueOf(value);
    }

    private static Integer integer(List<String> header, List<String> fields, String column) {
        String value = text(header, fields, column);
        return value == null ? null : Integer.valueOf(value);
    }
}
