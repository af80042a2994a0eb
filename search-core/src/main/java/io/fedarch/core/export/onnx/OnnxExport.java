package io.fedarch.core.export.onnx;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import io.fedarch.core.darts.DartsFamily;
import io.fedarch.core.darts.OperationMask;
import io.fedarch.core.darts.SinglePath;
import io.fedarch.core.model.ModelFactory;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.events.InputShape;
import io.fedarch.events.ModelSpec;

/**
 * Turns a delivered network (its {@link ModelSpec} and weights) into an ONNX model (opset
 * {@value OnnxGraph#OPSET}) that ONNX Runtime, PyTorch's importers and the like run without fedarch:
 * input {@value #INPUT} of shape [batch, C, H, W] (batch symbolic; images normalised as for training),
 * output {@value #OUTPUT} of shape [batch, classes]. Batch normalisation is exported in inference mode
 * with the running statistics.
 */
public final class OnnxExport {
    public static final String INPUT = "input";
    public static final String OUTPUT = "logits";
    public static final String FILE_NAME = "model.onnx";
    public static final int OPSET = OnnxGraph.OPSET;

    private static final List<OnnxTranslator> TRANSLATORS = List.of(new CnnTranslator(),
            new DerivedNetworkTranslator(),
            ElasticResNetTranslator.subnet(), ElasticResNetTranslator.supernet(), new SupernetTranslator(null));

    private OnnxExport() {
    }

    /** Whether {@link #export} can write networks of the spec's family. */
    public static boolean supports(ModelSpec spec) {
        return translator(spec).filter(t -> t.supports(spec.getOptions())).isPresent();
    }

    /** The model for the spec's input shape (channels × height × width, 1×28×28 unless the job set one). */
    public static byte[] export(ModelSpec spec, ModelParameters parameters) {
        InputShape input = spec.getInputShape();
        return export(spec, parameters, input.getChannels(), input.getHeight(), input.getWidth());
    }

    /**
     * A DARTS supernet (family "darts") as it computes with an operation mask: each edge mixes its
     * operations by softmax(α + log m). With a one-hot mask ({@link SinglePath#toMask()}) that is the single
     * path alone, as PerFedRLNAS's clients train and measure it; input the spec's shape, 10 classes.
     *
     * @throws IllegalArgumentException when the spec is not a supported darts supernet, the mask does not
     *                                  fit its operations, or a parameter is missing
     */
    public static byte[] export(ModelSpec spec, ModelParameters parameters, OperationMask mask) {
        if (!DartsFamily.NAME.equals(spec.getFamily() == null ? "" : spec.getFamily().toLowerCase(Locale.ROOT))) {
            throw new IllegalArgumentException("an operation mask applies to the darts supernet, not to model family '"
                    + spec.getFamily() + "'");
        }
        InputShape input = spec.getInputShape();
        return export(new SupernetTranslator(mask), spec, parameters, input.getChannels(), input.getHeight(),
                input.getWidth());
    }

    /**
     * The serialized ModelProto.
     *
     * @throws IllegalArgumentException when the family has no ONNX translation, its options are
     *                                  invalid, or the parameters lack a tensor the network needs
     */
    public static byte[] export(ModelSpec spec, ModelParameters parameters, int channels, int height, int width) {
        OnnxTranslator translator = translator(spec).orElseThrow(() -> new IllegalArgumentException(
                "no ONNX export for model family '" + spec.getFamily() + "'; exported families: "
                        + TRANSLATORS.stream().map(OnnxTranslator::family).toList()));
        return export(translator, spec, parameters, channels, height, width);
    }

    private static byte[] export(OnnxTranslator translator, ModelSpec spec, ModelParameters parameters, int channels,
                                 int height, int width) {
        OnnxGraph graph = new OnnxGraph(INPUT, channels, height, width);
        Map<String, String> options = spec.getOptions();
        String logits = translator.translate(options, new OnnxLayers(graph, parameters), graph.input());
        graph.output(logits, OUTPUT, ModelFactory.CLASSES);
        return graph.toModelBytes();
    }

    private static Optional<OnnxTranslator> translator(ModelSpec spec) {
        String family = spec.getFamily() == null ? "" : spec.getFamily().toLowerCase(Locale.ROOT);
        return TRANSLATORS.stream().filter(t -> t.family().equals(family)).findFirst();
    }
}
