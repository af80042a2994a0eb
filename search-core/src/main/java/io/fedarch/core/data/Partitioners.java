package io.fedarch.core.data;

import io.fedarch.events.PartitionSpec;

/** Builds the partitioner a job's {@link PartitionSpec} asks for. */
public final class Partitioners {
    private Partitioners() {
    }

    public static Partitioner of(PartitionSpec spec) {
        if (spec.getScheme() == null) {
            throw new IllegalArgumentException("partition scheme is missing");
        }
        return switch (spec.getScheme()) {
            case IID -> new IidPartitioner();
            case DIRICHLET -> new DirichletPartitioner(spec.getDirichletAlpha(), spec.getMinSamplesPerClient());
            case LABEL_SKEW -> new LabelSkewPartitioner(spec.getClassesPerClient());
        };
    }
}
