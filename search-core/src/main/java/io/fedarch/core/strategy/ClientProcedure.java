package io.fedarch.core.strategy;

/** The client half of a strategy: what a worker does with one task on one client's shard. */
public interface ClientProcedure {
    ClientOutcome run(ClientTaskContext task);
}
