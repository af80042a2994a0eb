package io.fedarch.pruning.export;

import java.util.List;
import java.util.Map;

import io.fedarch.core.darts.Genotype;
import io.fedarch.core.strategy.ClientArchitecture;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelScope;
import io.fedarch.events.ModelSpec;
import io.fedarch.pruning.store.StagedFile;

/**
 * One model to deliver: what it is, where it came from and what is already known about it.
 *
 * @param jobId           the job the model belongs to (a fine-tuning job delivers under its parent's id)
 * @param job             the job that produced the weights (data settings, algorithm)
 * @param model           the network the weights fit (may differ from job.model, e.g. the derived network)
 * @param genotype        the DARTS genotype the model realises, or null for fixed networks
 * @param measured        accuracy already measured where the data lives (a client's local test split),
 *                        or null to evaluate on the job's held-out test set here
 * @param extraDescription entries added to model.json
 * @param extraFiles      files written elsewhere that belong to this delivery (the search artefacts), named
 *                        inside it ({@code search/genotype.json})
 * @param metrics         further figures for ModelReady.metrics; with {@value ModelExporter#RELAXED_ACCURACY}
 *                        present the exporter adds {@value ModelExporter#DISCRETIZATION_GAP}
 * @param architecture    the architecture the strategy gave this client or budget (its JSON, picture, size and
 *                        cost replace the family's), or null
 * @param macsBudget      for scope BUDGET, the MACs budget the model was chosen for; else null
 */
public record ModelDelivery(String jobId, ModelScope scope, Integer clientId, String algorithm, JobSpec job,
                            ModelSpec model, ModelParameters parameters, Genotype genotype, Measured measured,
                            int roundsCompleted, int modelVersion, long searchMs,
                            Map<String, Object> extraDescription, List<StagedFile> extraFiles,
                            Map<String, Double> metrics, ClientArchitecture architecture, Long macsBudget) {

    /** A delivery whose architecture the strategy gave (a client's own subnet). */
    public ModelDelivery(String jobId, ModelScope scope, Integer clientId, String algorithm, JobSpec job,
                         ModelSpec model, ModelParameters parameters, Genotype genotype, Measured measured,
                         int roundsCompleted, int modelVersion, long searchMs,
                         Map<String, Object> extraDescription, List<StagedFile> extraFiles, Map<String, Double> metrics,
                         ClientArchitecture architecture) {
        this(jobId, scope, clientId, algorithm, job, model, parameters, genotype, measured, roundsCompleted,
                modelVersion, searchMs, extraDescription, extraFiles, metrics, architecture, null);
    }

    /** A delivery whose architecture is its model family's (or genotype's). */
    public ModelDelivery(String jobId, ModelScope scope, Integer clientId, String algorithm, JobSpec job,
                         ModelSpec model, ModelParameters parameters, Genotype genotype, Measured measured,
                         int roundsCompleted, int modelVersion, long searchMs,
                         Map<String, Object> extraDescription, List<StagedFile> extraFiles, Map<String, Double> metrics) {
        this(jobId, scope, clientId, algorithm, job, model, parameters, genotype, measured, roundsCompleted,
                modelVersion, searchMs, extraDescription, extraFiles, metrics, null);
    }

    /** A delivery without further figures. */
    public ModelDelivery(String jobId, ModelScope scope, Integer clientId, String algorithm, JobSpec job,
                         ModelSpec model, ModelParameters parameters, Genotype genotype, Measured measured,
                         int roundsCompleted, int modelVersion, long searchMs,
                         Map<String, Object> extraDescription, List<StagedFile> extraFiles) {
        this(jobId, scope, clientId, algorithm, job, model, parameters, genotype, measured, roundsCompleted,
                modelVersion, searchMs, extraDescription, extraFiles, Map.of());
    }

    /** A test-set figure measured by a client on data the pruning service never sees. */
    public record Measured(double accuracy, double loss, int samples) {
    }
}
