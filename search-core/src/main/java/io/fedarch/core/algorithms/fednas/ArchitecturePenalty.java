package io.fedarch.core.algorithms.fednas;

import java.util.List;

/**
 * A term added to α's objective in the MiLeNAS step besides the two losses, computed on the host
 * from α's values (Meta-DNAS's complexity regulariser: the expected MACs under softmax(α)).
 */
public interface ArchitecturePenalty {
    /**
     * Adds the penalty's gradient at {@code alphas} to {@code gradients} in place.
     *
     * @param alphas    α's values, one flattened array per architecture parameter in the network's order
     * @param gradients α's loss gradients, same layout
     * @return the penalty's value at {@code alphas}
     */
    double addGradient(List<float[]> alphas, List<float[]> gradients);
}
