package io.fedarch.core.export.onnx;

/** A genotype that uses every DARTS operation in both cell types: what the derived-network parity tests export. */
final class EveryOperationGenotype {
    static final String JSON = "{\"normal\":[[\"sep_conv_3x3\",0],[\"dil_conv_3x3\",1],[\"skip_connect\",1],"
            + "[\"sep_conv_5x5\",2],[\"avg_pool_3x3\",0],[\"dil_conv_5x5\",3],[\"max_pool_3x3\",2],"
            + "[\"skip_connect\",4]],\"normal_concat\":[2,3,4,5],"
            + "\"reduce\":[[\"max_pool_3x3\",0],[\"skip_connect\",1],[\"avg_pool_3x3\",1],"
            + "[\"sep_conv_3x3\",2],[\"dil_conv_5x5\",0],[\"sep_conv_5x5\",1],[\"dil_conv_3x3\",1],"
            + "[\"skip_connect\",3]],\"reduce_concat\":[2,3,4,5]}";

    private EveryOperationGenotype() {
    }
}
