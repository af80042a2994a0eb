package io.fedarch.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;

/**
 * {@code fedarch run JOB.yaml [--workers N] [--run-dir DIR] [--data-dir DIR]}: starts a local
 * stack (broker + coordinator + workers + pruning), runs the job through it, prints progress and
 * the result, writes rounds.csv and result.json, and stops everything it started.
 */
public final class Main {
    /** Held so the level sticks: the broker launcher's own start-up chatter is in its log file already. */
    private static final java.util.logging.Logger BROKER_LOG = java.util.logging.Logger.getLogger("io.fedarch.broker");

    private Main() {
    }

    public static void main(String[] args) {
        PrintStream out = System.out;
        BROKER_LOG.setLevel(java.util.logging.Level.WARNING);
        if (args.length < 2 || !args[0].equals("run")) {
            out.println("usage: fedarch run JOB.yaml [--workers N] [--run-dir DIR] [--data-dir DIR]");
            System.exit(2);
        }
        System.exit(run(args, out));
    }

    static int run(String[] args, PrintStream out) {
        Deque<String> rest = new ArrayDeque<>(List.of(args).subList(1, args.length));
        Path jobPath = Path.of(rest.removeFirst());
        JobFile job = JobFile.read(jobPath);
        int workers = job.workers();
        Path home = Path.of(System.getProperty("fedarch.home", ".")).toAbsolutePath().normalize();
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        String jobName = jobPath.getFileName().toString().replaceFirst("\\.ya?ml$", "");
        Path runDir = home.resolve("runs").resolve(stamp + "-" + jobName);
        Path dataDir = DatasetCheck.DEFAULT_DIR;
        while (!rest.isEmpty()) {
            String flag = rest.removeFirst();
            if (rest.isEmpty()) {
                throw new IllegalArgumentException(flag + " needs a value");
            }
            switch (flag) {
                case "--workers" -> workers = Integer.parseInt(rest.removeFirst());
                case "--run-dir" -> runDir = Path.of(rest.removeFirst()).toAbsolutePath();
                case "--data-dir" -> dataDir = Path.of(rest.removeFirst()).toAbsolutePath();
                default -> throw new IllegalArgumentException("unknown option " + flag);
            }
        }
        DatasetCheck.requirePresent(dataDir);

        StackOptions options = new StackOptions(home, runDir, workers, dataDir);
        long t0 = System.nanoTime();
        try (LocalStack stack = LocalStack.start(options, out)) {
            JobOutcome outcome = new JobRunner(stack.bootstrapServers())
                    .run(job.spec(), Duration.ofSeconds(job.timeoutSeconds()), new ConsoleProgress(out));
            RunReport.write(runDir, job.spec(), outcome, workers);
            Map<String, Object> summary = RunReport.summary(job.spec(), outcome, workers);
            out.println(ConsoleProgress.legend());
            out.println();
            out.println("result " + summary);
            out.printf("wall time %.1f s (job %.1f s); report %s, %s; logs %s%n", (System.nanoTime() - t0) / 1e9,
                    outcome.wallMs() / 1000.0, runDir.resolve("result.json"), runDir.resolve("rounds.csv"),
                    options.logsDir());
            return outcome.succeeded() ? 0 : 1;
        } catch (JobTimeoutException e) {
            RunReport.write(runDir, job.spec(), e.partial(), workers);
            out.println("FAILED: " + e.getMessage() + "; logs in " + options.logsDir());
            return 1;
        }
    }
}
