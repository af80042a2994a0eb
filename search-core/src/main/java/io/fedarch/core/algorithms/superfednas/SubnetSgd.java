package io.fedarch.core.algorithms.superfednas;

import java.util.ArrayList;
import java.util.List;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.fedarch.core.data.ImageDataset;
import io.fedarch.core.model.Engines;
import io.fedarch.core.ofa.ElasticResNet;
import io.fedarch.core.train.ClippedSgd;
import io.fedarch.core.train.LocalTrainer;
import io.fedarch.core.train.Metrics;

/**
 * A SuperFedNAS client's local training of its subnet, cut out of the supernet as a network of its
 * own: mini-batch SGD with the gradient clipped to a global L2 norm at every step (the reference:
 * lr 0.1, no momentum, no weight decay, clip 1.0; the job's momentum and weight decay apply).
 */
final class SubnetSgd {
    private SubnetSgd() {
    }

    static Metrics train(ElasticResNet subnet, ImageDataset data, int epochs, int batchSize, double learningRate,
                         double momentum, double weightDecay, double clip, long seed) {
        List<Parameter> weights = new ArrayList<>();
        for (Parameter p : subnet.namedParameters().values()) {
            if (p.requiresGradient()) {
                weights.add(p);
            }
        }
        try (NDManager manager = Engines.newManager()) {
            ClippedSgd sgd = new ClippedSgd(weights, manager, momentum, weightDecay, clip);
            return LocalTrainer.run(subnet, data, epochs, batchSize, seed, epoch -> {
                try (NDManager step = manager.newSubManager()) {
                    NDArray[] gradients = new NDArray[weights.size()];
                    for (int i = 0; i < gradients.length; i++) {
                        gradients[i] = weights.get(i).getArray().getGradient();
                        gradients[i].attach(step);
                    }
                    sgd.step(gradients, learningRate);
                    for (NDArray g : gradients) {
                        g.subi(g); // PyTorch accumulates gradients: clear them for the next batch
                    }
                }
            });
        }
    }
}
