package io.fedarch.coordinator.service;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.fedarch.core.federation.InputRejectedException;
import io.fedarch.events.ClientUpdate;
import io.fedarch.events.wire.UpdateSignature;

/**
 * Who may answer for a client (review H4): an update must carry the signature
 * ({@link UpdateSignature}) of the key of its client — the silo's own key where one is configured
 * ({@code fedarch.coordinator.client-update-keys}: {@code clientId=hex,...}, one per silo, so a
 * silo cannot answer for another), else the key every worker shares
 * ({@code fedarch.coordinator.update-key}, so nothing but a worker can answer). Without any key,
 * updates are not authenticated (a warning says so at start-up).
 */
@ApplicationScoped
public class UpdateAuthentication {
    private static final Logger LOG = Logger.getLogger(UpdateAuthentication.class);

    @ConfigProperty(name = "fedarch.coordinator.update-key")
    Optional<String> sharedKey;

    @ConfigProperty(name = "fedarch.coordinator.client-update-keys")
    Optional<String> clientKeys;

    private byte[] shared;
    private final Map<Integer, byte[]> perClient = new HashMap<>();

    @PostConstruct
    void load() {
        shared = sharedKey.filter(k -> !k.isBlank()).map(UpdateSignature::key).orElse(null);
        clientKeys.filter(k -> !k.isBlank()).ifPresent(list -> {
            for (String entry : list.split(",")) {
                String[] parts = entry.trim().split("=", 2);
                if (parts.length != 2) {
                    throw new IllegalArgumentException("fedarch.coordinator.client-update-keys: '" + entry
                            + "' is not clientId=hexKey");
                }
                perClient.put(Integer.parseInt(parts[0].trim()), UpdateSignature.key(parts[1]));
            }
        });
        if (shared == null && perClient.isEmpty()) {
            LOG.warn("client updates are not authenticated: set fedarch.coordinator.update-key (and the workers' "
                    + "fedarch.worker.update-key), or per-silo fedarch.coordinator.client-update-keys");
        }
    }

    /** @throws InputRejectedException when the update lacks its client's signature */
    public void check(ClientUpdate update) {
        byte[] key = perClient.getOrDefault(update.getClientId(), shared);
        if (key == null) {
            return;
        }
        if (!UpdateSignature.verify(key, update)) {
            throw new InputRejectedException("update " + update.getEventId() + " of client " + update.getClientId()
                    + " (worker " + update.getWorkerId() + ") is not signed with "
                    + (perClient.containsKey(update.getClientId()) ? "that client's own key" : "the workers' key")
                    + "; it is not counted");
        }
    }
}
