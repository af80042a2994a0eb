package io.fedarch.coordinator.console;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.fedarch.events.ArchitectureMask;
import io.fedarch.events.ClientUpdate;
import io.fedarch.events.GlobalModel;
import io.fedarch.events.JobSpec;
import io.fedarch.events.JobSubmitted;
import io.fedarch.events.ModelReady;
import io.fedarch.events.PersonalizedModel;
import io.fedarch.events.RoundMetrics;
import io.fedarch.events.SearchCompleted;

/**
 * What the console knows about one job, built only from the job's events. Lists are bounded so a long job cannot grow
 * the coordinator's memory without limit (the oldest entries go first). Not thread-safe: {@link ConsoleState} guards it.
 */
final class JobView {
    static final int MAX_ROUNDS = 2000;
    static final int MAX_CLIENT_ROWS = 4000;
    static final int MAX_MASKS = 500;
    static final int MAX_MODELS = 500;

    private final String jobId;
    private String name;
    private String algorithm;
    private String family;
    private String parentJobId;
    private int totalRounds;
    private int totalClients;
    private long submittedAt;
    private long updatedAt;
    private String state = "unknown";
    private String failureReason;
    private final List<Map<String, Object>> rounds = new ArrayList<>();
    /** Per round and client: the client's metrics of that round's update (its last attempt). */
    private final List<Map<String, Object>> clientRounds = new ArrayList<>();
    private final Map<Integer, Map<String, Object>> personalized = new TreeMap<>();
    private final List<Map<String, Object>> masks = new ArrayList<>();
    private Map<String, Object> latestMask;
    private Object alpha;
    private int alphaRound;
    private String genotype;
    private String genotypeSvg;
    private final List<Map<String, Object>> models = new ArrayList<>();
    private Map<String, Object> completion;
    private JobSpec spec;

    JobView(String jobId) {
        this.jobId = jobId;
    }

    JobSpec spec() {
        return spec;
    }

    void submitted(JobSubmitted job) {
        describe(job.getSpec());
        submittedAt = job.getTimestamp().toEpochMilli();
        if (state.equals("unknown")) {
            state = "submitted";
        }
        touch(job.getTimestamp().toEpochMilli());
    }

    void round(GlobalModel model) {
        if (model.getSpec() != null) {
            describe(model.getSpec());
        }
        totalRounds = model.getTotalRounds();
        RoundMetrics m = model.getMetrics();
        Map<String, Object> point = new LinkedHashMap<>();
        point.put("round", model.getRound());
        point.put("modelVersion", model.getModelVersion());
        point.put("timestamp", model.getTimestamp().toEpochMilli());
        point.put("trainLoss", finite(m.getTrainLoss()));
        point.put("validationAccuracy", finite(m.getValidationAccuracy()));
        point.put("globalValidationAccuracy", finite(m.getGlobalValidationAccuracy()));
        point.put("clientsSelected", m.getClientsSelected());
        point.put("clientsReported", m.getClientsReported());
        point.put("roundMs", m.getRoundMs());
        point.put("updateBytes", m.getUpdateBytes());
        rounds.removeIf(r -> r.get("modelVersion").equals(model.getModelVersion()));
        rounds.add(point);
        bound(rounds, MAX_ROUNDS);
        if (!isFinished()) {
            state = "running";
        }
        touch(model.getTimestamp().toEpochMilli());
    }

    void clientUpdate(ClientUpdate update) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("round", update.getRound());
        row.put("clientId", update.getClientId());
        row.put("attempt", update.getAttempt());
        row.put("workerId", update.getWorkerId());
        row.put("sampleCount", update.getSampleCount());
        row.put("trainLoss", finite(update.getMetrics().getTrainLoss()));
        row.put("trainAccuracy", finite(update.getMetrics().getTrainAccuracy()));
        row.put("validationLoss", finite(update.getMetrics().getValidationLoss()));
        row.put("validationAccuracy", finite(update.getMetrics().getValidationAccuracy()));
        row.put("globalValidationAccuracy", finite(update.getMetrics().getGlobalValidationAccuracy()));
        row.put("computeMs", update.getMetrics().getComputeMs());
        clientRounds.removeIf(r -> r.get("round").equals(update.getRound()) && r.get("clientId").equals(update.getClientId()));
        clientRounds.add(row);
        bound(clientRounds, MAX_CLIENT_ROWS);
        if (state.equals("submitted")) {
            state = "running";
        }
        touch(update.getTimestamp().toEpochMilli());
    }

    void personalized(PersonalizedModel model) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("clientId", model.getClientId());
        row.put("workerId", model.getWorkerId());
        row.put("localTestAccuracy", finite(model.getLocalTestAccuracy()));
        row.put("localTestLoss", finite(model.getLocalTestLoss()));
        row.put("localTestSamples", model.getLocalTestSamples());
        row.put("baseModelVersion", model.getBaseModelVersion());
        personalized.put(model.getClientId(), row);
        touch(model.getTimestamp().toEpochMilli());
    }

    void mask(ArchitectureMask mask) {
        Map<String, Object> point = new LinkedHashMap<>();
        point.put("round", mask.getRound());
        point.put("threshold", finite(mask.getThreshold()));
        point.put("activeOperations", mask.getActiveOperations());
        point.put("decayingOperations", mask.getDecayingOperations());
        point.put("totalOperations", mask.getTotalOperations());
        point.put("activeEdges", mask.getActiveEdges());
        masks.removeIf(m -> m.get("round").equals(mask.getRound()));
        masks.add(point);
        bound(masks, MAX_MASKS);
        Map<String, Object> latest = new LinkedHashMap<>(point);
        latest.put("operations", mask.getMask().getOperations().stream().map(CharSequence::toString).toList());
        latest.put("normal", mask.getMask().getNormal());
        latest.put("reduce", mask.getMask().getReduce());
        latestMask = latest;
        touch(mask.getTimestamp().toEpochMilli());
    }

    /** The latest α tables (AlphaTables' JSON) and the genotype derived from them, as of a round. */
    void architecture(int round, Object alphaTables, String genotypeJson, String cellDiagramSvg) {
        if (round < alphaRound) {
            return;
        }
        alphaRound = round;
        if (alphaTables != null) {
            alpha = alphaTables;
        }
        genotype = genotypeJson;
        genotypeSvg = cellDiagramSvg;
    }

    void completed(SearchCompleted done) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("status", done.getStatus().name());
        c.put("reason", done.getReason() == null ? null : done.getReason().toString());
        c.put("roundsCompleted", done.getRoundsCompleted());
        c.put("searchMs", done.getSearchMs());
        completion = c;
        boolean succeeded = done.getStatus().name().equals("SUCCEEDED");
        // The topics are read in no fixed order: the model-ready event may come before the completion.
        if (!(succeeded && state.equals("model-ready"))) {
            state = succeeded ? "completed" : "failed";
        }
        failureReason = done.getReason() == null ? null : done.getReason().toString();
        touch(done.getTimestamp().toEpochMilli());
    }

    void modelReady(ModelReady ready) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("scope", ready.getScope().name());
        row.put("clientId", ready.getClientId());
        row.put("macsBudget", ready.getMacsBudget());
        row.put("algorithm", ready.getAlgorithm().toString());
        row.put("architecture", ready.getArchitecture().toString());
        row.put("testAccuracy", finite(ready.getTestAccuracy()));
        row.put("testLoss", finite(ready.getTestLoss()));
        row.put("testSamples", ready.getTestSamples());
        row.put("parameterCount", ready.getParameterCount());
        row.put("macs", ready.getMacs());
        row.put("format", ready.getFormat().toString());
        row.put("artifactUri", ready.getArtifactUri().toString());
        row.put("roundsCompleted", ready.getRoundsCompleted());
        models.removeIf(m -> m.get("scope").equals(row.get("scope")) && java.util.Objects.equals(m.get("clientId"),
                row.get("clientId")) && java.util.Objects.equals(m.get("macsBudget"), row.get("macsBudget")));
        models.add(row);
        bound(models, MAX_MODELS);
        if (ready.getScope().name().equals("GLOBAL") && !state.equals("failed")) {
            state = "model-ready";
        }
        touch(ready.getTimestamp().toEpochMilli());
    }

    long updatedAt() {
        return updatedAt;
    }

    /** The one-line summary the job list shows. */
    Map<String, Object> summary() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("jobId", jobId);
        s.put("name", name);
        s.put("algorithm", algorithm);
        s.put("family", family);
        s.put("parentJobId", parentJobId);
        s.put("state", state);
        s.put("roundsClosed", rounds.size());
        s.put("totalRounds", totalRounds);
        s.put("submittedAt", submittedAt);
        s.put("updatedAt", updatedAt);
        s.put("modelsReady", models.size());
        if (!rounds.isEmpty()) {
            Map<String, Object> last = rounds.get(rounds.size() - 1);
            s.put("lastGlobalValidationAccuracy", last.get("globalValidationAccuracy"));
            s.put("lastValidationAccuracy", last.get("validationAccuracy"));
        }
        return s;
    }

    /** Everything the job's page shows. */
    Map<String, Object> detail() {
        Map<String, Object> d = summary();
        d.put("totalClients", totalClients);
        d.put("failureReason", failureReason);
        d.put("rounds", List.copyOf(rounds));
        d.put("clientRounds", List.copyOf(clientRounds));
        d.put("personalized", List.copyOf(personalized.values()));
        d.put("masks", List.copyOf(masks));
        d.put("latestMask", latestMask);
        d.put("alpha", alpha);
        d.put("alphaRound", alphaRound);
        d.put("genotype", genotype);
        d.put("genotypeSvg", genotypeSvg);
        d.put("models", List.copyOf(models));
        d.put("completion", completion);
        return d;
    }

    private boolean isFinished() {
        return state.equals("completed") || state.equals("failed") || state.equals("model-ready");
    }

    private void describe(JobSpec jobSpec) {
        spec = jobSpec;
        name = jobSpec.getName() == null ? null : jobSpec.getName().toString();
        algorithm = jobSpec.getAlgorithm().toString();
        family = jobSpec.getModel().getFamily().toString();
        parentJobId = jobSpec.getParentJobId() == null ? null : jobSpec.getParentJobId().toString();
        totalRounds = jobSpec.getRounds();
        totalClients = jobSpec.getTotalClients();
    }

    private void touch(long timestamp) {
        updatedAt = Math.max(updatedAt, timestamp);
    }

    /** JSON has no NaN: a metric a round could not measure is null. */
    private static Double finite(double value) {
        return Double.isFinite(value) ? value : null;
    }

    private static void bound(List<?> list, int max) {
        while (list.size() > max) {
            list.remove(0);
        }
    }
}
