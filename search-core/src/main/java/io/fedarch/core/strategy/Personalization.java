package io.fedarch.core.strategy;

import io.fedarch.core.train.Metrics;

/**
 * What a client's local adaptation of the final global model produced (FedNAS's personalization
 * stage, or FedAvg + local fine-tuning): the adapted state with the adaptation's own metrics, and
 * the client's local test split evaluated before and after, so the gain is visible.
 *
 * @param adaptation      the adapted parameters and the training/validation metrics of the adaptation
 * @param localTest       the adapted model on the client's local test split
 * @param globalLocalTest the received global model on the same split, before adaptation
 */
public record Personalization(ClientOutcome adaptation, Metrics localTest, Metrics globalLocalTest) {
    /** Keys under which the local test figures travel in ClientMetrics.custom from worker to coordinator. */
    public static final String LOCAL_TEST_ACCURACY = "localTestAccuracy";
    public static final String LOCAL_TEST_LOSS = "localTestLoss";
    public static final String LOCAL_TEST_SAMPLES = "localTestSamples";
    public static final String GLOBAL_LOCAL_TEST_ACCURACY = "globalLocalTestAccuracy";
}
