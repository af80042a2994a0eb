package io.fedarch.cli;

import java.io.PrintStream;

import io.fedarch.events.ArchitectureMask;
import io.fedarch.events.DeadLetter;
import io.fedarch.events.GlobalModel;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelReady;
import io.fedarch.events.ModelScope;
import io.fedarch.events.RoundMetrics;
import io.fedarch.events.SearchCompleted;
import io.fedarch.events.spec.DerivedJobs;

/** Prints one line per round and the final result, as the events arrive. */
public final class ConsoleProgress implements JobProgress {
    private final PrintStream out;

    public ConsoleProgress(PrintStream out) {
        this.out = out;
    }

    @Override
    public void submitted(String jobId, JobSpec spec) {
        out.printf("submitted %s: %s, %s model, %d clients (%d per round), %d rounds x %d local epochs, %s partition%n",
                jobId, spec.getAlgorithm(), spec.getModel().getFamily(), spec.getTotalClients(),
                spec.getClientsPerRound(), spec.getRounds(), spec.getLocalEpochs(),
                spec.getData().getPartition().getScheme().name().toLowerCase());
        out.printf("%-7s %-9s %-11s %-11s %-10s %-9s %-10s %-9s%n", "round", "clients", "global-acc", "local-acc",
                "train-loss", "round-s", "compute-s", "elapsed-s");
    }

    @Override
    public void roundCompleted(GlobalModel round, long elapsedMs) {
        RoundMetrics m = round.getMetrics();
        boolean fineTuning = round.getJobId().endsWith(DerivedJobs.FINE_TUNE_SUFFIX);
        if (fineTuning && round.getRound() == 1) {
            out.println("fine-tuning the derived network (job " + round.getJobId() + "):");
        }
        out.printf("%-7s %-9s %-11.4f %-11.4f %-10.4f %-9.1f %-10.1f %-9.1f%n",
                (fineTuning ? "ft" : "") + round.getRound() + "/" + round.getTotalRounds(),
                m.getClientsReported() + "/" + m.getClientsSelected(),
                m.getGlobalValidationAccuracy(), m.getValidationAccuracy(), m.getTrainLoss(),
                m.getRoundMs() / 1000.0, m.getMaxClientComputeMs() / 1000.0, elapsedMs / 1000.0);
    }

    @Override
    public void maskPublished(ArchitectureMask mask) {
        out.println(maskLine(mask));
    }

    static String maskLine(ArchitectureMask mask) {
        int operations = Math.max(1, mask.getMask().getOperations().size());
        int edges = (mask.getMask().getNormal().size() + mask.getMask().getReduce().size()) / operations;
        return String.format(java.util.Locale.ROOT,
                "mask after round %d/%d: %d/%d operations active (%d decaying), %d/%d edges, threshold %.2f",
                mask.getRound(), mask.getTotalRounds(), mask.getActiveOperations(), mask.getTotalOperations(),
                mask.getDecayingOperations(), mask.getActiveEdges(), edges, mask.getThreshold());
    }

    @Override
    public void searchCompleted(SearchCompleted completion) {
        out.printf("search %s after %d rounds in %.1f s%s%n", completion.getStatus().name().toLowerCase(),
                completion.getRoundsCompleted(), completion.getSearchMs() / 1000.0,
                completion.getReason() == null ? "" : ": " + completion.getReason());
    }

    @Override
    public void modelReady(ModelReady model) {
        if (model.getScope() == ModelScope.BUDGET) {
            out.printf("model for the %,d-MACs budget: %,d MACs, %,d parameters, test accuracy %.4f on %d images "
                    + "(validation %.4f), %s%n", model.getMacsBudget(), model.getMacs(), model.getParameterCount(),
                    model.getTestAccuracy(), model.getTestSamples(), model.getMetrics().getOrDefault("validationAccuracy",
                            Double.NaN), model.getArtifactUri());
            return;
        }
        if (model.getScope() == ModelScope.CLIENT) {
            out.printf("personalized model of client %d: local test accuracy %.4f on %d images, %s%n",
                    model.getClientId(), model.getTestAccuracy(), model.getTestSamples(), model.getArtifactUri());
            return;
        }
        if (model.getArchitecture().startsWith("{\"normal\"")) {
            out.println("architecture " + model.getArchitecture());
        }
        out.printf("model ready (%s): test accuracy %.4f on %d images, %,d parameters, %,d MACs%n",
                model.getScope().name().toLowerCase(), model.getTestAccuracy(), model.getTestSamples(),
                model.getParameterCount(), model.getMacs());
        model.getFiles().forEach(f -> out.printf("  %s (%,d bytes)%n", f.getPath(), f.getSizeBytes()));
    }

    @Override
    public void deadLetter(DeadLetter letter) {
        out.printf("dead letter from %s (%s): %s%n", letter.getService(), letter.getSourceTopic(), letter.getReason());
    }

    /** Column notes printed once under the table. */
    static String legend() {
        return "global-acc: incoming global model on the clients' validation splits (sample-weighted); "
                + "local-acc: clients' models after local training; compute-s: slowest client's local compute";
    }
}
