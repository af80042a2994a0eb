package io.fedarch.pruning.store;

import java.util.List;

/**
 * Where one delivery goes: the job's directory name (already made safe, see ArtifactFiles.safeName),
 * its scope path ({@code global}, {@code clients/3}, {@code budgets/3000000}) and the id that makes
 * it unique (its ModelReady's eventId), so no two deliveries ever share an object key.
 */
public record DeliveryLocation(String jobDirName, List<String> scopePath, String deliveryId) {
    public DeliveryLocation {
        scopePath = List.copyOf(scopePath);
        if (jobDirName == null || jobDirName.isEmpty() || deliveryId == null || deliveryId.isEmpty()) {
            throw new IllegalArgumentException("a delivery needs a job directory and an id");
        }
    }

    /** {@code <job>/<scope...>}, slash-separated. */
    public String scopeKey() {
        return jobDirName + "/" + String.join("/", scopePath);
    }
}
