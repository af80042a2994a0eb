package io.fedarch.core.ofa;

import java.util.Map;

import ai.djl.nn.Block;
import io.fedarch.core.model.ModelFamily;
import io.fedarch.events.InputShape;
import io.fedarch.events.ModelSpec;

/**
 * Model family "ofa-resnet": the supernet of an elastic ResNet space ({@link ElasticOptions}), whose
 * subnets SuperFedNAS trains together. As a network it runs its largest subnet.
 */
public final class ElasticResNetFamily implements ModelFamily {
    public static final String NAME = "ofa-resnet";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void validate(Map<String, String> options) {
        if (options != null && options.containsKey(ElasticSubnetFamily.ARCHITECTURE)) {
            throw new IllegalArgumentException("ofa-resnet is the supernet; a single subnet is family '"
                    + ElasticSubnetFamily.NAME + "'");
        }
        ElasticOptions.parse(options);
    }

    @Override
    public Block build(Map<String, String> options, InputShape input) {
        return ElasticResNet.supernet(ElasticOptions.parse(options).withInput(input));
    }

    /**
     * The options of an "ofa-resnet" spec.
     *
     * @throws IllegalArgumentException when the family is another or an option is invalid
     */
    public static ElasticOptions options(ModelSpec spec) {
        return ElasticOptions.parse(ModelFamily.optionsOf(spec, NAME)).withInput(spec.getInputShape());
    }
}
