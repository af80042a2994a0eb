package io.fedarch.cli;

import java.io.PrintStream;

import io.fedarch.core.strategy.HyperParameter;
import io.fedarch.core.strategy.Strategy;
import io.fedarch.core.strategy.StrategyRegistry;

/**
 * {@code ./fedarch algorithms}: every strategy the services would load (built in, and from the jars on
 * the strategy path) with each knob a job may set in {@code hyperParameters}: type, default, range, meaning.
 */
final class AlgorithmsCommand {
    private AlgorithmsCommand() {
    }

    static void print(PrintStream out) {
        StrategyRegistry registry = StrategyRegistry.builtIn();
        for (String name : registry.names()) {
            Strategy strategy = registry.get(name);
            out.printf("%s%n  %s%n", name, strategy.description());
            out.printf("  compression (JobSpec.compression): %s%n", strategy.acceptsCompressedUpdates()
                    ? "yes (uplink NONE/INT8/TOPK, downlink NONE/INT8)" : "no (a job setting it is refused)");
            out.printf("  %-28s %-13s %-26s %-22s %s%n", "hyperParameter", "type", "default", "allowed", "meaning");
            for (HyperParameter knob : strategy.hyperParameters()) {
                out.printf("  %-28s %-13s %-26s %-22s %s%n", knob.name(), knob.kind().name().toLowerCase(),
                        knob.defaultValue(), knob.range(), knob.doc());
            }
            out.println();
        }
        out.println("Set them as strings in a job's hyperParameters, e.g. hyperParameters: {fineTuneRounds: \"5\"}; "
                + "a job naming another knob is refused.");
        out.println("Wire compression is a job setting, not a knob: compression: {uplink: INT8|TOPK|NONE, "
                + "downlink: INT8|NONE, topKFraction: 0.1} (docs/compression.md).");
    }
}
