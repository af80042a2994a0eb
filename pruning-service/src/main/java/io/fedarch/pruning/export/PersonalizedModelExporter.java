package io.fedarch.pruning.export;

import io.fedarch.core.darts.DartsFamily;
import io.fedarch.core.darts.DerivedFamily;
import io.fedarch.core.strategy.Personalization;
import io.fedarch.core.strategy.HeldOutClients;
import io.fedarch.events.ModelSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.fedarch.core.darts.report.AlphaTables;
import io.fedarch.core.strategy.ClientArchitecture;
import io.fedarch.core.strategy.StrategyRegistry;
import io.fedarch.core.darts.DartsOptions;
import io.fedarch.core.darts.Genotype;
import io.fedarch.core.darts.GenotypeDerivation;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.events.ModelScope;
import io.fedarch.events.PersonalizedModel;

/**
 * Delivers one client's personalized model as a CLIENT-scoped model-ready event. Its accuracy is
 * the one the client measured on its own test split (the data never leaves the client). For a
 * DARTS supernet the client's own α gives its own genotype, so downstream systems can pick a
 * personalized architecture per client; the weights are the adapted supernet's. Where the strategy
 * gives the client a network of its own (Meta-DNAS: the derived network of its genotype), the
 * weights are that network's and the model is described by it.
 */
@ApplicationScoped
public class PersonalizedModelExporter {
    @Inject
    ModelExporter exporter;

    private final StrategyRegistry strategies = StrategyRegistry.builtIn();

    public void export(PersonalizedModel personalized) {
        ModelParameters parameters;
        try {
            parameters = TensorCodec.fromAvro(personalized.getModelState());
        } catch (IllegalArgumentException e) {
            throw new ExportRejectedException("personalized model of client " + personalized.getClientId() + " of job "
                    + personalized.getJobId() + " is malformed: " + e.getMessage());
        }
        double accuracy = personalized.getLocalTestAccuracy();
        if (!(accuracy >= 0 && accuracy <= 1) || personalized.getLocalTestSamples() < 0) {
            throw new ExportRejectedException("personalized model of client " + personalized.getClientId()
                    + " reports local test accuracy " + accuracy + " on " + personalized.getLocalTestSamples() + " images");
        }
        var spec = personalized.getSpec();
        Genotype genotype = null;
        Map<String, Object> extra = new LinkedHashMap<>();
        ClientArchitecture own;
        try {
            own = strategies.get(spec.getAlgorithm()).clientArchitecture(spec, personalized.getClientId(),
                    personalized.getMetrics().getCustom()).orElse(null);
        } catch (IllegalArgumentException e) {
            throw new ExportRejectedException("cannot describe the architecture of client " + personalized.getClientId()
                    + " of job " + personalized.getJobId() + ": " + e.getMessage());
        }
        ModelSpec model = own != null && own.model() != null ? own.model() : spec.getModel();
        if (model.getFamily().toLowerCase(Locale.ROOT).equals(DerivedFamily.NAME)) {
            // The client's own derived network (Meta-DNAS): its genotype is part of the model.
            try {
                genotype = DerivedFamily.options(model).genotype();
            } catch (IllegalArgumentException e) {
                throw new ExportRejectedException("the derived network of client " + personalized.getClientId()
                        + " of job " + personalized.getJobId() + " is invalid: " + e.getMessage());
            }
        } else if (own == null && spec.getModel().getFamily().toLowerCase(Locale.ROOT).equals(DartsFamily.NAME)) {
            try {
                DartsOptions options = DartsFamily.options(spec.getModel());
                genotype = GenotypeDerivation.derive(parameters, options);
                extra.put("alpha", ArtifactFiles.parse(AlphaTables.json(parameters, options)));
            } catch (IllegalArgumentException e) {
                throw new ExportRejectedException("cannot derive the architecture of client " + personalized.getClientId()
                        + " of job " + personalized.getJobId() + ": " + e.getMessage());
            }
        }
        Map<String, Object> adaptation = new LinkedHashMap<>();
        adaptation.put("epochs", spec.getPersonalizationEpochs());
        adaptation.put("workerId", personalized.getWorkerId());
        adaptation.put("baseModelVersion", personalized.getBaseModelVersion());
        adaptation.put("metrics", ArtifactFiles.parse(personalized.getMetrics().toString()));
        extra.put("personalization", adaptation);
        Map<String, Double> figures = new java.util.TreeMap<>(own == null ? Map.of() : numbers(own.details()));
        Double before = personalized.getMetrics().getCustom().get(Personalization.GLOBAL_LOCAL_TEST_ACCURACY);
        if (before != null && Double.isFinite(before)) {
            // What the client's adaptation gained over the model it received, on the same split.
            figures.put(Personalization.GLOBAL_LOCAL_TEST_ACCURACY, before);
        }
        if (HeldOutClients.count(spec) > 0) {
            // A client that never trained: the model shows how the federation's result adapts to new clients.
            figures.put(HeldOutClients.METRIC, HeldOutClients.isHeldOut(spec, personalized.getClientId()) ? 1.0 : 0.0);
        }
        exporter.deliver(new ModelDelivery(personalized.getJobId(), ModelScope.CLIENT, personalized.getClientId(),
                spec.getAlgorithm(), spec, model, parameters, genotype,
                new ModelDelivery.Measured(accuracy, personalized.getLocalTestLoss(), personalized.getLocalTestSamples()),
                spec.getRounds(), personalized.getBaseModelVersion(), personalized.getMetrics().getComputeMs(), extra,
                List.of(), figures, own));
    }

    /** The numeric details of a client's architecture, for ModelReady.metrics. */
    private static Map<String, Double> numbers(Map<String, Object> details) {
        Map<String, Double> figures = new java.util.TreeMap<>();
        details.forEach((key, value) -> {
            if (value instanceof Number n) {
                figures.put(key, n.doubleValue());
            }
        });
        return figures;
    }
}
