package io.fedarch.core.model;

import java.util.Map;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Blocks;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.pooling.Pool;
import io.fedarch.events.InputShape;

/** The fixed CNN every result is compared against: conv5x5-ReLU-maxpool twice, a hidden layer, 10 classes. */
public final class CnnFamily implements ModelFamily {
    public static final String NAME = "cnn";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void validate(Map<String, String> options) {
        CnnOptions.parse(options);
    }

    /** Each convolution keeps its output and its ReLU's, each pool its output; the hidden layer the same. */
    @Override
    public java.util.OptionalLong activationsPerImage(Map<String, String> options, InputShape input) {
        CnnOptions o = CnnOptions.parse(options);
        long first = (long) o.conv1() * input.getHeight() * input.getWidth();
        long second = (long) o.conv2() * (input.getHeight() / 2) * (input.getWidth() / 2);
        return java.util.OptionalLong.of(2 * first + first / 4 + 2 * second + second / 4 + 3L * o.hidden()
                + ModelFactory.CLASSES);
    }

    /** conv5x5-ReLU-maxpool → conv5x5-ReLU-maxpool → flatten → linear-ReLU → (dropout) → linear. */
    @Override
    public Block build(Map<String, String> options, InputShape input) {
        CnnOptions o = CnnOptions.parse(options);
        SequentialBlock net = new SequentialBlock()
                .add(conv5x5(o.conv1()))
                .add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                .add(conv5x5(o.conv2()))
                .add(Activation.reluBlock())
                .add(Pool.maxPool2dBlock(new Shape(2, 2), new Shape(2, 2)))
                .add(Blocks.batchFlattenBlock())
                .add(Linear.builder().setUnits(o.hidden()).build())
                .add(Activation.reluBlock());
        if (o.dropout() > 0) {
            net.add(Dropout.builder().optRate((float) o.dropout()).build());
        }
        return net.add(Linear.builder().setUnits(ModelFactory.CLASSES).build());
    }

    private static Conv2d conv5x5(int filters) {
        return Conv2d.builder()
                .setKernelShape(new Shape(5, 5))
                .optPadding(new Shape(2, 2))
                .setFilters(filters)
                .build();
    }
}
