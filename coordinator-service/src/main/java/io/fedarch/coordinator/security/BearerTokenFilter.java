package io.fedarch.coordinator.security;

import java.util.Map;

import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;

/**
 * Every request to the coordinator's REST resources passes {@link ApiAccess} first; a resource added
 * later is covered without opting in. Health and metrics are not REST resources (and are served on the
 * management port), so probes and scrapers need no token.
 */
@Provider
@PreMatching
@Priority(Priorities.AUTHENTICATION)
public class BearerTokenFilter implements ContainerRequestFilter {
    @Inject
    ApiAccess access;

    @Override
    public void filter(ContainerRequestContext request) {
        access.check(request.getHeaderString(HttpHeaders.AUTHORIZATION)).ifPresent(refusal -> {
            Response.ResponseBuilder response = Response.status(refusal.status()).type(MediaType.APPLICATION_JSON)
                    .entity(Map.of("error", refusal.error()));
            if (refusal.status() == 401) {
                response.header(HttpHeaders.WWW_AUTHENTICATE, ApiAccess.SCHEME + " realm=\"fedarch\"");
            }
            request.abortWith(response.build());
        });
    }
}
