package io.fedarch.core.darts;

import java.util.function.Supplier;

import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.train.BatchNormRecalibration;

/**
 * Evaluations of a search network whose BN running statistics cannot be trusted as they are.
 * <ul>
 *   <li>A received global supernet carries the sample-weighted mean of the clients' statistics; under
 *       non-IID data each client measured its own feature distribution, and the mean fits none of
 *       them: FedNAS's aggregate after two rounds (10 clients, Dirichlet 0.5) scored 0.0999 on the
 *       clients' validation splits as it was, 0.2286 with statistics re-measured on each client.</li>
 *   <li>A Gumbel or masked search trains on sampled paths: each operation's statistics move only when
 *       it is sampled and are measured on one-hot paths, while inference mixes softmax(α + log m) over
 *       the unmasked operations. FedMetaNAS's supernet predicted one class for every image (0.0822
 *       global validation accuracy in rounds 2–4 of examples/fedmetanas-tiny.yaml, while its exported
 *       model scored 0.238).</li>
 * </ul>
 * So the statistics are first re-measured under the evaluated mixture on (at most
 * {@value BatchNormRecalibration#CALIBRATION_IMAGES} of) the client's training images, without gradients; the evaluations
 * run; the network gets its own statistics back, so nothing the client trains on or sends changes.
 * A network a client has just searched with DARTS's plain softmax has statistics of the mixture it
 * evaluates, measured on its own data: it is evaluated as it is.
 */
public final class RelaxedEvaluation {
    private RelaxedEvaluation() {
    }

    /**
     * Runs {@code evaluations} on {@code network} with BN statistics that match its inference-mode
     * mixture, and restores the network's parameters and relaxation afterwards.
     *
     * @param received    whether the network is the received global model (always re-measured), rather
     *                    than the client's own searched one (re-measured for sampled or masked relaxations)
     * @param calibration the data to re-measure the statistics on (the client's training split)
     */
    public static <T> T withMatchingStatistics(SearchNetwork network, Relaxation relaxation, boolean received,
                                               ImageDataset calibration, int batchSize, Supplier<T> evaluations) {
        if ((!received && relaxation.isPlainSoftmax()) || calibration.size() == 0) {
            return evaluations.get();
        }
        return underEvaluatedMixture(network, relaxation,
                () -> BatchNormRecalibration.withOwnStatistics(network, calibration, batchSize, evaluations));
    }

    /**
     * Re-measures a sampled or masked supernet's statistics for good under the mixture it is evaluated
     * with (a personalized supernet is delivered as it is, so its statistics must be the ones its figures
     * were measured with); a plain-softmax one already has them and is left alone.
     */
    public static void keepMatchingStatistics(SearchNetwork network, Relaxation relaxation, ImageDataset calibration,
                                              int batchSize) {
        if (relaxation.isPlainSoftmax() || calibration.size() == 0) {
            return;
        }
        underEvaluatedMixture(network, relaxation, () -> BatchNormRecalibration.recalibrate(network,
                BatchNormRecalibration.sample(calibration), batchSize));
    }

    /** Runs {@code work} under softmax(α + log m), the inference-mode mixture, then restores the relaxation. */
    private static <T> T underEvaluatedMixture(SearchNetwork network, Relaxation relaxation, Supplier<T> work) {
        try {
            network.setRelaxation(new Relaxation(MixingMode.SOFTMAX, 1.0, relaxation.mask()));
            return work.get();
        } finally {
            network.setRelaxation(relaxation);
        }
    }
}
