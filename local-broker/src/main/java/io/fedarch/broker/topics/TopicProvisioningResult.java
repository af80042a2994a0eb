package io.fedarch.broker.topics;

import java.util.Set;

/**
 * What {@link TopicProvisioner#ensureTopics} changed.
 *
 * @param created            topics that did not exist and were created
 * @param raisedMaxMessageBytes existing topics whose {@code max.message.bytes} was raised
 */
public record TopicProvisioningResult(Set<String> created, Set<String> raisedMaxMessageBytes) {

    public TopicProvisioningResult {
        created = Set.copyOf(created);
        raisedMaxMessageBytes = Set.copyOf(raisedMaxMessageBytes);
    }

    public boolean changedNothing() {
        return created.isEmpty() && raisedMaxMessageBytes.isEmpty();
    }
}
