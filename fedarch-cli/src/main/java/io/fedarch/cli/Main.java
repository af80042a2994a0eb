package io.fedarch.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The {@code ./fedarch} commands.
 * <ul>
 * <li>{@code run JOB.yaml [options]}: start a local stack (broker, coordinator, workers, pruning), run the
 * job through it, print progress and the result, write rounds.csv and result.json, stop everything.</li>
 * <li>{@code up [options]}: start the stack and keep it running for external clients until Ctrl-C.</li>
 * <li>{@code algorithms}: list every strategy and the hyperParameters a job may set for it.</li>
 * <li>{@code bench BENCH.yaml [options]}: run a benchmark's jobs one after the other on one stack and
 * write its results table (Markdown + CSV) next to the benchmark file.</li>
 * </ul>
 */
public final class Main {
    /** Held so the level sticks: the broker launcher's own start-up chatter is in its log file already. */
    private static final java.util.logging.Logger BROKER_LOG = java.util.logging.Logger.getLogger("io.fedarch.broker");
    private static final String USAGE = """
            usage: fedarch run JOB.yaml [--workers N] [--run-dir DIR] [--data-dir DIR] [--worker-slowdowns 3,1,1]
                   fedarch up [--workers N] [--run-dir DIR] [--data-dir DIR] [--worker-slowdowns 3,1,1]
                   fedarch bench BENCH.yaml [--workers N] [--run-dir DIR] [--data-dir DIR] [--worker-slowdowns 3,1,1]
                   fedarch algorithms   (every strategy and its hyperParameters)
            --worker-slowdowns: experiments only, one factor per worker (3 = that worker behaves 3x slower)""";

    private Main() {
    }

    public static void main(String[] args) {
        PrintStream out = System.out;
        BROKER_LOG.setLevel(java.util.logging.Level.WARNING);
        try {
            if (args.length >= 2 && args[0].equals("run")) {
                System.exit(run(args, out));
            } else if (args.length >= 2 && args[0].equals("bench")) {
                System.exit(bench(args, out));
            } else if (args.length == 1 && args[0].equals("algorithms")) {
                AlgorithmsCommand.print(out);
                return;
            } else if (args.length >= 1 && args[0].equals("up")) {
                up(args, out);
                return;
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            out.println("error: " + e.getMessage());
            System.exit(1);
        }
        out.println(USAGE);
        System.exit(2);
    }

    static int run(String[] args, PrintStream out) {
        Path jobPath = Path.of(args[1]);
        JobFile job = JobFile.read(jobPath);
        String jobName = jobPath.getFileName().toString().replaceFirst("\\.ya?ml$", "");
        StackOptions options = StackOptions.parse(List.of(args).subList(2, args.length), job.workers(), jobName);
        DatasetCheck.requirePresent(options.dataDir());

        long t0 = System.nanoTime();
        try (LocalStack stack = LocalStack.start(options, out).stopOnExit()) {
            JobOutcome outcome = new JobRunner(stack.bootstrapServers())
                    .run(job.spec(), Duration.ofSeconds(job.timeoutSeconds()), new ConsoleProgress(out));
            RunReport.write(options.runDir(), job.spec(), outcome, options.workers());
            Map<String, Object> summary = RunReport.summary(job.spec(), outcome, options.workers());
            out.println(ConsoleProgress.legend());
            out.println();
            out.println("result " + summary);
            out.printf("wall time %.1f s (job %.1f s); report %s, %s; logs %s%n", (System.nanoTime() - t0) / 1e9,
                    outcome.wallMs() / 1000.0, options.runDir().resolve("result.json"),
                    options.runDir().resolve("rounds.csv"), options.logsDir());
            return outcome.succeeded() ? 0 : 1;
        } catch (JobTimeoutException e) {
            RunReport.write(options.runDir(), job.spec(), e.partial(), options.workers());
            out.println("FAILED: " + e.getMessage() + "; logs in " + options.logsDir());
            return 1;
        }
    }

    /**
     * Runs every job of a benchmark on one stack, in order (a job repeated over seeds once per seed), and
     * writes the table and the accuracy-vs-wall chart to {@code <bench dir>/results/<name>/} (plus each run's
     * rounds.csv, masks.csv, clients.csv and result.json).
     */
    static int bench(String[] args, PrintStream out) {
        Path benchPath = Path.of(args[1]);
        BenchFile bench = BenchFile.read(benchPath);
        StackOptions options = StackOptions.parse(List.of(args).subList(2, args.length), bench.workers(), bench.name())
                .withDefaultSlowdowns(bench.workerSlowdowns());
        DatasetCheck.requirePresent(options.dataDir());
        Path resultsDir = benchPath.toAbsolutePath().getParent().resolve("results").resolve(bench.name());
        String command = "./fedarch " + String.join(" ", args);
        List<Map<String, Object>> rows = new java.util.ArrayList<>();
        int failures = 0;
        try (LocalStack stack = LocalStack.start(options, out).stopOnExit()) {
            for (BenchRun benchRun : bench.runs()) {
                String run = benchRun.name();
                JobFile job = JobFile.read(benchRun.job());
                io.fedarch.events.JobSpec spec = benchRun.spec(job.spec());
                out.println();
                out.println("=== " + run + " ===");
                JobOutcome outcome;
                try {
                    outcome = new JobRunner(stack.bootstrapServers())
                            .run(spec, Duration.ofSeconds(job.timeoutSeconds()), new ConsoleProgress(out));
                } catch (JobTimeoutException e) {
                    out.println("FAILED: " + e.getMessage());
                    outcome = e.partial();
                    failures++;
                }
                RunReport.write(resultsDir.resolve(run), spec, outcome, options.workers());
                Map<String, Object> row = new java.util.LinkedHashMap<>();
                row.put("run", run);
                row.put("jobName", benchRun.jobName());
                row.put("seed", spec.getSeed());
                if (benchRun.repeatedOverSeeds()) {
                    row.put("seedGroup", benchRun.jobName());
                }
                row.put("partition", partition(spec));
                row.putAll(RunReport.summary(spec, outcome, options.workers()));
                rows.add(row);
                BenchTable.write(resultsDir, bench.name(), command, rows, bench.reference(), bench.targetAccuracy());
                out.println("result " + row);
            }
        }
        out.println();
        out.println("results: " + resultsDir.resolve("results.md") + ", " + resultsDir.resolve("results.csv") + ", "
                + resultsDir.resolve(AccuracyWallPlot.FILE_NAME));
        return failures == 0 ? 0 : 1;
    }

    private static String partition(io.fedarch.events.JobSpec spec) {
        var p = spec.getData().getPartition();
        return switch (p.getScheme()) {
            case IID -> "iid";
            case DIRICHLET -> "dirichlet " + p.getDirichletAlpha();
            case LABEL_SKEW -> "label-skew " + p.getClassesPerClient() + " classes";
        };
    }

    /** Starts the stack and keeps it up for external clients (kcat, Python, another JVM) until interrupted. */
    static void up(String[] args, PrintStream out) {
        StackOptions options = StackOptions.parse(List.of(args).subList(1, args.length), 1, "stack");
        DatasetCheck.requirePresent(options.dataDir());
        LocalStack stack = LocalStack.start(options, out).stopOnExit();
        out.printf("bootstrap.servers=%s%ncoordinator REST: http://127.0.0.1:%d/jobs%nlive console: %s%n"
                        + "  e.g. curl -H \"Authorization: Bearer $(cat %s)\" http://127.0.0.1:%d/jobs%nmodels: %s%n"
                        + "Ctrl-C stops everything.%n", stack.bootstrapServers(), stack.coordinator().httpPort(), stack.consoleUrl(),
                stack.apiTokenFile(), stack.coordinator().httpPort(), options.modelsDir());
        try {
            Thread.currentThread().join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
