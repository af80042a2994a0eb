package io.fedarch.pruning.export;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.fedarch.core.ofa.ParetoReport;
import io.fedarch.core.ofa.SubnetsPerBudget;
import io.fedarch.core.strategy.ClientArchitecture;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.train.Metrics;
import io.fedarch.events.ModelReady;
import io.fedarch.events.ModelScope;
import io.fedarch.events.SearchCompleted;
import io.fedarch.pruning.store.StagedFile;

/**
 * Delivers a once-for-all search (SuperFedNAS): one BUDGET model-ready per MACs budget, each the
 * subnet the search chose cut from the supernet (no retraining), evaluated on the held-out test set;
 * the canonical subnets evaluated there too for the accuracy-vs-MACs table and plot (a report: none
 * of these test figures goes back into the choice); then the supernet itself as the GLOBAL model
 * with the reports, last, so a consumer that has seen the GLOBAL event has seen every budget's.
 */
@ApplicationScoped
public class BudgetSubnetExport {
    private static final Logger LOG = Logger.getLogger(BudgetSubnetExport.class);

    @Inject
    ModelExporter exporter;

    public void deliver(SearchCompleted completed, ModelParameters supernet, SubnetsPerBudget result) {
        String jobId = completed.getJobId();
        List<ParetoReport.Row> rows = new ArrayList<>();
        for (SubnetsPerBudget.Subnet c : result.canonical()) {
            Metrics test = exporter.evaluateOnTestSet(completed.getSpec(), c.spec(), c.weights());
            rows.add(new ParetoReport.Row("canonical", c.config().encode(), c.macs(), c.parameters(), test.accuracy(),
                    Double.NaN));
        }
        List<Long> budgets = new ArrayList<>();
        Map<String, Double> perBudget = new LinkedHashMap<>();
        for (SubnetsPerBudget.BudgetModel model : result.budgets()) {
            SubnetsPerBudget.Subnet subnet = model.subnet();
            Map<String, Double> metrics = new LinkedHashMap<>();
            metrics.put("macsBudget", (double) model.budgetMacs());
            if (!Double.isNaN(model.validationAccuracy())) {
                metrics.put("validationAccuracy", model.validationAccuracy());
            }
            ClientArchitecture architecture = new ClientArchitecture(subnet.json(), null, subnet.parameters(),
                    subnet.macs(), Map.of("selection", model.selection(), "macsBudget", model.budgetMacs()));
            ModelReady ready = exporter.deliver(new ModelDelivery(jobId, ModelScope.BUDGET, null,
                    completed.getSpec().getAlgorithm(), completed.getSpec(), subnet.spec(), subnet.weights(), null, null,
                    completed.getRoundsCompleted(), completed.getModelVersion(), completed.getSearchMs(),
                    Map.of("subnet", subnet.config().encode()), List.of(), metrics, architecture, model.budgetMacs()));
            budgets.add(model.budgetMacs());
            rows.add(new ParetoReport.Row("budget:" + model.budgetMacs(), subnet.config().encode(), subnet.macs(),
                    subnet.parameters(), ready.getTestAccuracy(), model.validationAccuracy()));
            perBudget.put("budget." + model.budgetMacs() + ".testAccuracy", ready.getTestAccuracy());
            perBudget.put("budget." + model.budgetMacs() + ".macs", (double) subnet.macs());
        }
        Map<String, String> files = new LinkedHashMap<>(result.files());
        files.put(ParetoReport.CSV, ParetoReport.csv(rows));
        files.put(ParetoReport.SVG, ParetoReport.svg("job " + jobId + ": test accuracy of subnets cut from the supernet",
                rows, budgets));
        List<StagedFile> reports = SearchCompletionHandler.writeReports(exporter, jobId, files);
        Map<String, Double> metrics = new LinkedHashMap<>(result.metrics());
        metrics.putAll(perBudget);
        metrics.put("budgets", (double) result.budgets().size());
        exporter.deliver(new ModelDelivery(jobId, ModelScope.GLOBAL, null, completed.getSpec().getAlgorithm(),
                completed.getSpec(), completed.getSpec().getModel(), supernet, null, null, completed.getRoundsCompleted(),
                completed.getModelVersion(), completed.getSearchMs(),
                Map.of("reports", files.keySet().stream().sorted().toList()), reports, metrics));
        LOG.infof("job %s: %d budget models and the supernet delivered", jobId, result.budgets().size());
    }
}
