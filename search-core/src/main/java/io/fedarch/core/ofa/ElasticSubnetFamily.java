package io.fedarch.core.ofa;

import java.util.HashMap;
import java.util.Map;

import ai.djl.nn.Block;
import io.fedarch.core.model.ModelFamily;
import io.fedarch.events.InputShape;
import io.fedarch.events.ModelSpec;

/**
 * Model family "ofa-resnet-subnet": one subnet of an elastic ResNet space on its own, its tensors
 * shaped to it — what SuperFedNAS delivers per MACs budget and what its clients train. Options: the
 * space's ({@link ElasticOptions}) plus {@value #ARCHITECTURE}, the subnet's compact form
 * ({@link SubnetConfig#encode()}).
 */
public final class ElasticSubnetFamily implements ModelFamily {
    public static final String NAME = "ofa-resnet-subnet";
    public static final String ARCHITECTURE = "architecture";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void validate(Map<String, String> options) {
        subnet(options, ElasticOptions.parse(options));
    }

    @Override
    public Block build(Map<String, String> options, InputShape input) {
        ElasticOptions space = ElasticOptions.parse(options).withInput(input);
        return ElasticResNet.standalone(space, subnet(options, space));
    }

    /** The spec of {@code subnet} of the space {@code supernet} describes. */
    public static ModelSpec spec(ModelSpec supernet, SubnetConfig subnet) {
        Map<String, String> options = new HashMap<>(supernet.getOptions());
        options.put(ARCHITECTURE, subnet.encode());
        return ModelSpec.newBuilder(supernet).setFamily(NAME).setOptions(options).build();
    }

    /** The subnet a spec of this family names. */
    public static SubnetConfig subnet(ModelSpec spec) {
        Map<String, String> options = ModelFamily.optionsOf(spec, NAME);
        return subnet(options, ElasticOptions.parse(options));
    }

    private static SubnetConfig subnet(Map<String, String> options, ElasticOptions space) {
        String text = options == null ? null : options.get(ARCHITECTURE);
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("ofa-resnet-subnet needs option '" + ARCHITECTURE
                    + "' (d=..;e=..;k=..;w=..)");
        }
        try {
            return SubnetConfig.decode(text).requireValid(space);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ofa-resnet-subnet option " + ARCHITECTURE + ": " + e.getMessage(), e);
        }
    }
}
