package io.fedarch.service.artifacts;

import java.util.Objects;

import io.fedarch.events.ModelScope;

/**
 * Which model a set of files belongs to: the identity of a {@code ModelReady}, whose {@code eventId} is
 * the {@code deliveryId} consumers select chunks by.
 *
 * @param jobId      the job; decides the partition of every chunk
 * @param deliveryId the eventId of the ModelReady that will announce the files
 * @param scope      GLOBAL, CLIENT or BUDGET, as in the ModelReady
 * @param clientId   for CLIENT: the client; null otherwise
 * @param macsBudget for BUDGET: the MACs budget; null otherwise
 */
public record DeliveredModel(String jobId, String deliveryId, ModelScope scope, Integer clientId, Long macsBudget) {

    public DeliveredModel {
        requireText(jobId, "jobId");
        requireText(deliveryId, "deliveryId");
        // The chunk key is '<deliveryId>:<chunkIndex>:<fileName>'; a ':' in the id would make keys ambiguous.
        if (deliveryId.indexOf(':') >= 0) {
            throw new IllegalArgumentException("deliveryId must not contain ':', got '" + deliveryId + "'");
        }
        Objects.requireNonNull(scope, "scope");
        if ((scope == ModelScope.CLIENT) != (clientId != null)) {
            throw new IllegalArgumentException("clientId is set exactly for scope CLIENT; got scope " + scope
                    + " with clientId " + clientId);
        }
        if ((scope == ModelScope.BUDGET) != (macsBudget != null)) {
            throw new IllegalArgumentException("macsBudget is set exactly for scope BUDGET; got scope " + scope
                    + " with macsBudget " + macsBudget);
        }
    }

    public static DeliveredModel global(String jobId, String deliveryId) {
        return new DeliveredModel(jobId, deliveryId, ModelScope.GLOBAL, null, null);
    }

    public static DeliveredModel client(String jobId, String deliveryId, int clientId) {
        return new DeliveredModel(jobId, deliveryId, ModelScope.CLIENT, clientId, null);
    }

    public static DeliveredModel budget(String jobId, String deliveryId, long macsBudget) {
        return new DeliveredModel(jobId, deliveryId, ModelScope.BUDGET, null, macsBudget);
    }

    private static void requireText(String value, String name) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
    }
}
