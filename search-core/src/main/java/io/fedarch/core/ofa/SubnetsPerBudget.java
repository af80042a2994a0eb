package io.fedarch.core.ofa;

import java.util.List;
import java.util.Map;

import io.fedarch.core.strategy.SearchResult;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.events.ModelSpec;

/**
 * What a once-for-all search of the elastic ResNet space becomes (SuperFedNAS): the trained supernet
 * as the job's global model, one subnet per MACs budget with weights cut from it (no retraining),
 * and the canonical subnets whose held-out accuracy makes the accuracy-vs-MACs table. The pruning
 * service evaluates every subnet on the test set for the report only: nothing it measures feeds
 * back into the choice of a subnet.
 *
 * @param budgets   one per budget the job listed, in the job's order
 * @param canonical the canonical subnets, smallest first
 * @param files     reports of the search (file name → text) for the job's {@code search/} directory
 * @param metrics   figures of the search for the global model-ready event
 */
public record SubnetsPerBudget(List<BudgetModel> budgets, List<Subnet> canonical, Map<String, String> files,
                               Map<String, Double> metrics) implements SearchResult {
    public SubnetsPerBudget {
        budgets = List.copyOf(budgets);
        canonical = List.copyOf(canonical);
        files = Map.copyOf(files);
        metrics = Map.copyOf(metrics);
    }

    /** One subnet as a network of its own. */
    public record Subnet(SubnetConfig config, ModelSpec spec, ModelParameters weights, long macs, long parameters,
                         String json) {
        public static Subnet cut(ModelSpec supernetSpec, ElasticOptions options, SubnetConfig config,
                                 ModelParameters supernet) {
            SubnetLayout layout = SubnetLayout.of(options, config);
            return new Subnet(config, ElasticSubnetFamily.spec(supernetSpec, config),
                    SubnetExtraction.cut(options, config, supernet), layout.macs(), layout.parameters(),
                    config.toJson(options));
        }
    }

    /**
     * The subnet chosen for one budget.
     *
     * @param validationAccuracy its fitness: validation accuracy over the clients' splits, NaN when not searched
     * @param selection          how it was chosen, in words
     */
    public record BudgetModel(long budgetMacs, Subnet subnet, double validationAccuracy, String selection) {
    }
}
