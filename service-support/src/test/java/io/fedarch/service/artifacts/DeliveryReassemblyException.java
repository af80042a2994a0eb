package io.fedarch.service.artifacts;

/** The chunks on the topic do not make up the delivery's files: missing, duplicated, inconsistent or corrupt. */
final class DeliveryReassemblyException extends RuntimeException {
    DeliveryReassemblyException(String message) {
        super(message);
    }
}
