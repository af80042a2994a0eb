package io.fedarch.coordinator.security;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.runtime.Startup;

/** Reads the API's access configuration once, at start-up, so a wrong fedarch.api.auth stops the coordinator there. */
@ApplicationScoped
public class ApiAccessProducer {
    private static final Logger LOG = Logger.getLogger(ApiAccessProducer.class);

    @Produces
    @Singleton
    @Startup
    ApiAccess apiAccess(@ConfigProperty(name = "fedarch.api.auth", defaultValue = "token") String mode,
                        @ConfigProperty(name = "fedarch.api.token") Optional<String> token) {
        ApiAccess access = ApiAccess.of(mode, token);
        if (access.open()) {
            LOG.warn("fedarch.api.auth=none: the REST API accepts every request; use this on a trusted network only");
        } else if (!access.configured()) {
            LOG.warn("fedarch.api.token is not set: the REST API refuses every request (Kafka submission still works)");
        }
        return access;
    }
}
