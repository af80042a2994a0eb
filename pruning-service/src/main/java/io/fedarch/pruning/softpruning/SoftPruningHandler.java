package io.fedarch.pruning.softpruning;

import io.fedarch.core.darts.DartsFamily;
import java.time.Instant;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.fedarch.core.darts.DartsOptions;
import io.fedarch.core.darts.GenotypeDerivation;
import io.fedarch.core.darts.OperationMask;
import io.fedarch.core.algorithms.fedmetanas.SoftPruning;
import io.fedarch.core.algorithms.fedmetanas.FedMetaNas;
import io.fedarch.core.strategy.ServerState;
import io.fedarch.core.strategy.ServerStateCodec;
import io.fedarch.core.strategy.Strategy;
import io.fedarch.core.strategy.StrategyRegistry;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.events.ArchitectureMask;
import io.fedarch.events.GlobalModel;
import io.fedarch.events.JobSpec;
import io.fedarch.pruning.export.ExportRejectedException;
import io.fedarch.pruning.messaging.ArchitectureMaskPublisher;

/**
 * Soft pruning between rounds (FedMetaNAS): every aggregated global model of a strategy that
 * has a between-rounds step ({@link io.fedarch.core.strategy.BetweenRounds}) yields the next round's mask, computed from
 * the global α and the mask the round searched in (both carried by the event, so this service
 * keeps no state per job and any instance can serve any round). Other algorithms' global models are ignored.
 */
@ApplicationScoped
public class SoftPruningHandler {
    private static final Logger LOG = Logger.getLogger(SoftPruningHandler.class);

    private final StrategyRegistry strategies = StrategyRegistry.builtIn();

    @Inject
    ArchitectureMaskPublisher publisher;

    public void handle(GlobalModel global) {
        Strategy strategy;
        try {
            strategy = strategies.get(global.getAlgorithm());
        } catch (IllegalArgumentException e) {
            throw new ExportRejectedException("global model of job " + global.getJobId() + ": " + e.getMessage());
        }
        if (strategy.betweenRounds().isEmpty()) {
            return;
        }
        if (!(strategy instanceof FedMetaNas pruning)) {
            // ArchitectureMask describes a DARTS mask; another kind of between-rounds step needs its own event.
            throw new ExportRejectedException("job " + global.getJobId() + " (" + global.getAlgorithm()
                    + ") has a between-rounds step this service cannot publish (only FedMetaNAS's soft pruning)");
        }
        JobSpec spec = global.getSpec();
        if (spec == null) {
            throw new ExportRejectedException("global model of job " + global.getJobId() + " round " + global.getRound()
                    + " carries no job spec; the next mask cannot be computed");
        }
        SoftPruning.Step step;
        ServerState next;
        ModelParameters model;
        DartsOptions options;
        try {
            options = DartsFamily.options(spec.getModel());
            model = TensorCodec.fromAvro(global.getModelState());
            ServerState current = global.getStrategyState() == null ? pruning.initialState(spec)
                    : ServerStateCodec.fromAvro(global.getStrategyState());
            pruning.check(spec, current);
            step = pruning.prune(spec, global.getRound(), model, current);
            next = FedMetaNas.withMask(current, step.mask());
        } catch (IllegalArgumentException e) {
            throw new ExportRejectedException("cannot prune after round " + global.getRound() + " of job "
                    + global.getJobId() + ": " + e.getMessage());
        }
        OperationMask mask = step.mask();
        ArchitectureMask event = ArchitectureMask.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setJobId(global.getJobId())
                .setTimestamp(Instant.now())
                .setRound(global.getRound())
                .setTotalRounds(global.getTotalRounds())
                .setThreshold(step.threshold())
                .setMask(mask.toAvro())
                .setStrategyState(ServerStateCodec.toAvro(next))
                .setActiveOperations(mask.activeOperations())
                .setDecayingOperations(mask.decayingOperations())
                .setTotalOperations(mask.totalOperations())
                .setActiveEdges(mask.activeEdges())
                .setGenotype(GenotypeDerivation.derive(model, options, mask).toJson())
                .build();
        publisher.publish(event);
        LOG.infof("job %s after round %d/%d: threshold %.2f, %d of %d operations active (%d decaying), %d edges",
                global.getJobId(), global.getRound(), global.getTotalRounds(), step.threshold(),
                mask.activeOperations(), mask.totalOperations(), mask.decayingOperations(), mask.activeEdges());
    }
}
