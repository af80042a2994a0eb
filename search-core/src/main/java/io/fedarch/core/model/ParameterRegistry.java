package io.fedarch.core.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.NormalInitializer;

/**
 * Creates the search network's parameters with their final shapes and stable, PyTorch-style
 * names ({@code cells.2.state0.sep_conv_3x3.dw1.weight}), in creation order. Those names are what
 * travels in {@code ModelParameters}, so they must not depend on DJL's block paths.
 */
public final class ParameterRegistry {
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();

    /** A trainable convolution or linear weight. */
    public Parameter weight(String name, long... shape) {
        return add(name, Parameter.Type.WEIGHT, true, shape);
    }

    public Parameter bias(String name, long size) {
        return add(name, Parameter.Type.BIAS, true, size);
    }

    public Parameter gamma(String name, long size) {
        return add(name, Parameter.Type.GAMMA, true, size);
    }

    public Parameter beta(String name, long size) {
        return add(name, Parameter.Type.BETA, true, size);
    }

    /** Batch-norm running statistics: state that travels and averages, but receives no gradient. */
    public Parameter runningMean(String name, long size) {
        return add(name, Parameter.Type.RUNNING_MEAN, false, size);
    }

    public Parameter runningVar(String name, long size) {
        return add(name, Parameter.Type.RUNNING_VAR, false, size);
    }

    /** An architecture table α, initialised like DARTS with 1e-3·N(0, 1). */
    public Parameter architecture(String name, long... shape) {
        Parameter p = Parameter.builder().setName(name).setType(Parameter.Type.OTHER)
                .optShape(new Shape(shape)).optInitializer(new NormalInitializer(1e-3f)).build();
        return register(p);
    }

    public Map<String, Parameter> all() {
        return Collections.unmodifiableMap(parameters);
    }

    private Parameter add(String name, Parameter.Type type, boolean trainable, long... shape) {
        return register(Parameter.builder().setName(name).setType(type).optShape(new Shape(shape))
                .optRequiresGrad(trainable).build());
    }

    private Parameter register(Parameter p) {
        if (parameters.putIfAbsent(p.getName(), p) != null) {
            throw new IllegalStateException("duplicate parameter name " + p.getName());
        }
        return p;
    }
}
