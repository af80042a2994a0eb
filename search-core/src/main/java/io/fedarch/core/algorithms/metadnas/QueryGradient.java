package io.fedarch.core.algorithms.metadnas;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.fedarch.core.darts.SearchNetwork;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.model.BlockParameters;
import io.fedarch.core.model.Engines;
import io.fedarch.core.model.OwnedScalar;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.core.train.Batches;
import io.fedarch.core.train.GradientLock;

/**
 * First-order MAML's query gradient at the adapted supernet Θ′: ∇_Θ [L_query(Θ′) + λ_c·R(α′)],
 * the loss averaged over the query set (BN in training mode, as in the search). It is sent in the
 * supernet's shape under the same names; the BN statistics entries carry Θ′'s adapted statistics,
 * which the server averages.
 */
final class QueryGradient {
    /** @param sent the gradient (statistics: adapted values); @param queryLoss L_query(Θ′) */
    record Result(ModelParameters sent, double queryLoss) {
    }

    private QueryGradient() {
    }

    static Result compute(SearchNetwork network, ImageDataset query, int batchSize, ComplexityRegularizer regularizer) {
        if (query.size() == 0) {
            throw new IllegalArgumentException("first-order MAML needs a non-empty query half of the validation split");
        }
        ModelParameters adapted = BlockParameters.read(network);
        Map<String, Parameter> named = network.namedParameters();
        List<String> trainable = new ArrayList<>();
        for (NamedTensor t : adapted.tensors()) {
            if (!MetaDnas.isStatistic(t.name())) {
                trainable.add(t.name());
            }
        }
        double[][] sums = new double[trainable.size()][];
        double lossSum = 0;
        ReentrantLock lock = GradientLock.get();
        lock.lock();
        try (NDManager manager = Engines.newManager()) {
            ParameterStore store = new ParameterStore(manager, false);
            for (int from = 0; from < query.size(); from += batchSize) {
                int to = Math.min(query.size(), from + batchSize);
                float share = (float) (to - from) / query.size();
                try (NDManager batch = manager.newSubManager()) {
                    NDArray x = Batches.images(batch, query, null, from, to);
                    NDArray y = Batches.labels(batch, query, null, from, to);
                    NDArray loss;
                    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                        loss = Batches.crossEntropy(network.forward(store, new NDList(x), true).singletonOrThrow(), y);
                        collector.backward(loss.mul(OwnedScalar.of(batch, share)));
                    }
                    lossSum += loss.getFloat() * (double) share;
                    for (int i = 0; i < trainable.size(); i++) {
                        try (NDArray gradient = named.get(trainable.get(i)).getArray().getGradient()) {
                            float[] values = gradient.toFloatArray();
                            gradient.subi(gradient);
                            if (sums[i] == null) {
                                sums[i] = new double[values.length];
                            }
                            for (int k = 0; k < values.length; k++) {
                                sums[i][k] += values[k];
                            }
                        }
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        List<float[]> alphas = List.of(adapted.get(SearchNetwork.ALPHA_NORMAL).values(),
                adapted.get(SearchNetwork.ALPHA_REDUCE).values());
        List<float[]> alphaGradients = new ArrayList<>();
        for (String name : List.of(SearchNetwork.ALPHA_NORMAL, SearchNetwork.ALPHA_REDUCE)) {
            alphaGradients.add(toFloats(sums[trainable.indexOf(name)]));
        }
        regularizer.addGradient(alphas, alphaGradients);
        List<NamedTensor> sent = new ArrayList<>();
        for (NamedTensor t : adapted.tensors()) {
            int index = trainable.indexOf(t.name());
            float[] values;
            if (index < 0) {
                values = t.values();
            } else if (t.name().equals(SearchNetwork.ALPHA_NORMAL)) {
                values = alphaGradients.get(0);
            } else if (t.name().equals(SearchNetwork.ALPHA_REDUCE)) {
                values = alphaGradients.get(1);
            } else {
                values = toFloats(sums[index]);
            }
            sent.add(new NamedTensor(t.name(), t.shape().clone(), values));
        }
        return new Result(new ModelParameters(sent), lossSum);
    }

    private static float[] toFloats(double[] values) {
        float[] out = new float[values.length];
        for (int k = 0; k < values.length; k++) {
            out[k] = (float) values[k];
        }
        return out;
    }
}
