package io.fedarch.core.strategy;

import io.fedarch.core.data.ImageDataset;

/** The client half of a strategy: what a worker does with one task on one client's shard. */
public interface ClientProcedure {

    /** One federated round's local work. */
    ClientOutcome run(ClientTaskContext task);

    /**
     * Adapts the final global model to this client for {@code JobSpec.personalizationEpochs}
     * epochs with the strategy's own local procedure, and evaluates it on the client's local test
     * split (which never leaves the client).
     */
    Personalization personalize(ClientTaskContext task, ImageDataset localTest);
}
