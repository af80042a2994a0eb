package io.fedarch.core.ofa;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import io.fedarch.core.model.ModelInitializer;
import io.fedarch.events.ModelSpec;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.core.util.Seeds;

/**
 * The elastic ResNet's initial weights as OFA (and so SuperFedNAS's reference) initialises them:
 * every convolution He-normal over its fan-out, N(0, 2/(k²·out)), at the supernet's largest
 * shapes; the classifier and BN as PyTorch's defaults ({@link ModelInitializer}). PyTorch's default
 * convolution init (uniform ±1/√fan_in, a third of that variance and less for wide layers) leaves a
 * ResNet without BN — the reference's default — near chance for several rounds (measured: 0.095
 * test accuracy after 4 FedAvg rounds of the largest subnet, 4 clients, 6,000 images, lr 0.1 without
 * momentum, against 0.378 with this).
 */
public final class ElasticInitializer {
    private ElasticInitializer() {
    }

    public static ModelParameters initialize(ModelSpec spec, long seed) {
        ModelParameters defaults = ModelInitializer.initialize(spec, seed);
        List<NamedTensor> out = new ArrayList<>();
        int index = 0;
        for (NamedTensor t : defaults.tensors()) {
            index++;
            if (t.shape().length != 4) {
                out.add(t);
                continue;
            }
            int fanOut = t.shape()[0] * t.shape()[2] * t.shape()[3];
            double std = Math.sqrt(2.0 / fanOut);
            SplittableRandom random = new SplittableRandom(Seeds.derive(seed, 0x0FA1L, index));
            float[] values = new float[t.size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (std * gaussian(random));
            }
            out.add(new NamedTensor(t.name(), t.shape(), values));
        }
        return new ModelParameters(out);
    }

    /** A standard normal draw (Box–Muller), reproducible across JVMs. */
    private static double gaussian(SplittableRandom random) {
        double u = 1.0 - random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
    }
}
