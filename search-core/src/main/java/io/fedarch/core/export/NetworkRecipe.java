package io.fedarch.core.export;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fedarch.core.darts.DartsFamily;
import io.fedarch.core.darts.DartsOptions;
import io.fedarch.core.darts.DerivedFamily;
import io.fedarch.core.darts.DerivedOptions;
import io.fedarch.core.darts.Primitive;
import io.fedarch.core.data.FashionMnist;
import io.fedarch.core.model.CnnFamily;
import io.fedarch.core.model.CnnOptions;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.ofa.ElasticOptions;
import io.fedarch.core.ofa.ElasticResNetFamily;
import io.fedarch.core.ofa.ElasticSubnetFamily;
import io.fedarch.core.ofa.SubnetConfig;
import io.fedarch.core.ofa.SubnetLayout;
import io.fedarch.events.ModelSpec;

/**
 * What another framework needs to rebuild a delivered network around its safetensors weights
 * (model.json's {@code network}): the input the network expects and each family's dimensions
 * resolved, defaults applied, so a reader (examples/clients/load_pytorch.py) never re-implements
 * the Java defaults or the layout rules (which cells reduce, which blocks stride or project).
 */
public final class NetworkRecipe {
    private static final ObjectMapper JSON = new ObjectMapper();

    private NetworkRecipe() {
    }

    /** The recipe of {@code spec}'s network, or empty for a family this does not describe. */
    public static Optional<Map<String, Object>> of(ModelSpec spec) {
        String family = spec.getFamily() == null ? "" : spec.getFamily().toLowerCase(Locale.ROOT);
        Map<String, String> options = spec.getOptions();
        Map<String, Object> recipe = new LinkedHashMap<>();
        recipe.put("family", family);
        recipe.put("input", input());
        recipe.put("classes", ModelFactory.CLASSES);
        switch (family) {
            case CnnFamily.NAME -> cnn(recipe, CnnOptions.parse(options));
            case DerivedFamily.NAME -> derived(recipe, DerivedOptions.parse(options));
            case DartsFamily.NAME -> supernet(recipe, DartsOptions.parse(options));
            case ElasticSubnetFamily.NAME -> elastic(recipe, ElasticOptions.parse(options),
                    ElasticSubnetFamily.subnet(spec));
            case ElasticResNetFamily.NAME -> {
                // The supernet runs its largest subnet by default; its tensors are that subnet's.
                ElasticOptions space = ElasticOptions.parse(options);
                elastic(recipe, space, SubnetConfig.largest(space));
            }
            default -> {
                return Optional.empty();
            }
        }
        return Optional.of(recipe);
    }

    /** Images as the training data gives them: (pixel/255 − mean)/std, channels × height × width. */
    private static Map<String, Object> input() {
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("channels", ModelFactory.CHANNELS);
        input.put("height", ModelFactory.HEIGHT);
        input.put("width", ModelFactory.WIDTH);
        input.put("mean", FashionMnist.MEAN);
        input.put("std", FashionMnist.STD);
        return input;
    }

    private static void cnn(Map<String, Object> recipe, CnnOptions o) {
        recipe.put("conv1", o.conv1());
        recipe.put("conv2", o.conv2());
        recipe.put("hidden", o.hidden());
        recipe.put("dropout", o.dropout());
    }

    private static void derived(Map<String, Object> recipe, DerivedOptions o) {
        cells(recipe, o.channels(), o.layers(), o.stemStride(), o::isReduction);
        recipe.put("genotype", parse(o.genotype().toJson()));
    }

    /** The supernet (a single-path subnet is one path through it): its dimensions and α's column order. */
    private static void supernet(Map<String, Object> recipe, DartsOptions o) {
        cells(recipe, o.channels(), o.layers(), o.stemStride(), o::isReduction);
        recipe.put("operations", o.operations().stream().map(Primitive::dartsName).toList());
        recipe.put("partialChannels", o.partialChannels());
    }

    private static void cells(Map<String, Object> recipe, int channels, int layers, int stemStride,
                              java.util.function.IntPredicate isReduction) {
        recipe.put("channels", channels);
        recipe.put("layers", layers);
        recipe.put("stemStride", stemStride);
        recipe.put("stemMultiplier", DartsOptions.STEM_MULTIPLIER);
        recipe.put("reductionLayers", IntStream.range(0, layers).filter(isReduction).boxed().toList());
    }

    private static void elastic(Map<String, Object> recipe, ElasticOptions space, SubnetConfig subnet) {
        SubnetLayout layout = SubnetLayout.of(space, subnet);
        recipe.put("subnet", subnet.encode());
        recipe.put("stemStride", space.stemStride());
        recipe.put("stemKernel", SubnetLayout.STEM_KERNEL);
        recipe.put("batchNorm", space.batchNorm());
        List<Map<String, Object>> blocks = new ArrayList<>();
        for (SubnetLayout.Block b : layout.blocks()) {
            Map<String, Object> block = new LinkedHashMap<>();
            block.put("prefix", b.prefix());
            block.put("in", b.in());
            block.put("mid", b.mid());
            block.put("out", b.out());
            block.put("kernel", b.kernel());
            block.put("stride", b.stride());
            block.put("downsample", b.downsample());
            blocks.add(block);
        }
        recipe.put("blocks", blocks);
    }

    private static Map<String, Object> parse(String json) {
        try {
            return JSON.readValue(json, new TypeReference<>() { });
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read back " + json, e);
        }
    }
}
