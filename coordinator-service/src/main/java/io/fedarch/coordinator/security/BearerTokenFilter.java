package io.fedarch.coordinator.security;

import java.util.Map;

import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.Cookie;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.Provider;

/**
 * Every request to the coordinator's REST resources passes {@link ApiAccess} first; a resource added
 * later is covered without opting in. The console's API (/console/**) also takes its session cookie. Health and metrics are not REST resources (and are served on the
 * management port), so probes and scrapers need no token.
 */
@Provider
@PreMatching
@Priority(Priorities.AUTHENTICATION)
public class BearerTokenFilter implements ContainerRequestFilter {
    /** The console's session cookie (see {@link ApiAccess#consoleSession}). */
    public static final String CONSOLE_COOKIE = "fedarch-console";
    static final String CONSOLE_PREFIX = "/console/";
    static final String CONSOLE_LOGIN = "/console/login";

    @Inject
    ApiAccess access;

    @Override
    public void filter(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (path.equals(CONSOLE_LOGIN)) {
            return; // takes the token in its form and checks it itself
        }
        // The console's browser page may present its session cookie instead of the header (EventSource sends none).
        Cookie session = path.startsWith(CONSOLE_PREFIX) ? request.getCookies().get(CONSOLE_COOKIE) : null;
        access.check(request.getHeaderString(HttpHeaders.AUTHORIZATION), session == null ? null : session.getValue())
                .ifPresent(refusal -> {
            Response.ResponseBuilder response = Response.status(refusal.status()).type(MediaType.APPLICATION_JSON)
                    .entity(Map.of("error", refusal.error()));
            if (refusal.status() == 401) {
                response.header(HttpHeaders.WWW_AUTHENTICATE, ApiAccess.SCHEME + " realm=\"fedarch\"");
            }
            request.abortWith(response.build());
        });
    }
}
