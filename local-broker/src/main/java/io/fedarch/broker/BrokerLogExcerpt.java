package io.fedarch.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The part of {@code broker.log} that explains a failed start: the error lines logged since the
 * last launch marker (the first error is usually the cause, and Kafka's shutdown chatter after
 * it easily pushes it out of a plain tail), followed by the last lines.
 */
final class BrokerLogExcerpt {

    /** Written by the parent before each launch; the log file is appended to across restarts. */
    static final String LAUNCH_MARKER = "==== fedarch-local-broker: launching broker";

    private static final int MAX_ERROR_LINES = 15;
    private static final int TAIL_LINES = 40;

    private BrokerLogExcerpt() {
    }

    static String launchMarkerLine() {
        return LAUNCH_MARKER + " at " + java.time.Instant.now() + " ====" + System.lineSeparator();
    }

    static String of(Path logFile) {
        List<String> lines;
        try {
            lines = Files.exists(logFile) ? Files.readAllLines(logFile, StandardCharsets.UTF_8) : List.of();
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + logFile + ": " + e + ")";
        }
        List<String> sinceLaunch = lines.subList(lastLaunchMarker(lines), lines.size());

        List<String> errors = new ArrayList<>();
        for (String line : sinceLaunch) {
            if (errors.size() < MAX_ERROR_LINES && isErrorLine(line)) {
                errors.add(line);
            }
        }
        List<String> tail = sinceLaunch.subList(Math.max(0, sinceLaunch.size() - TAIL_LINES), sinceLaunch.size());

        String nl = System.lineSeparator();
        return "--- errors in " + logFile + " ---" + nl
                + (errors.isEmpty() ? "(none)" : String.join(nl, errors)) + nl
                + "--- last " + tail.size() + " lines ---" + nl
                + String.join(nl, tail);
    }

    private static int lastLaunchMarker(List<String> lines) {
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (lines.get(i).startsWith(LAUNCH_MARKER)) {
                return i;
            }
        }
        return 0;
    }

    private static boolean isErrorLine(String line) {
        return line.contains(" ERROR ") || line.contains(" FATAL ") || line.startsWith("Caused by: ")
                || line.startsWith("Exception in thread ") || line.startsWith("Error: ");
    }
}
