package io.fedarch.coordinator.console;

import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

import jakarta.inject.Inject;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fedarch.coordinator.security.ApiAccess;
import io.fedarch.coordinator.security.BearerTokenFilter;

/**
 * The live console's read-only API: the jobs as JSON, and a server-sent-event stream of every change. Behind the REST
 * API's token (BearerTokenFilter), which a browser presents as the session cookie {@link #login} sets. The page itself
 * is static (META-INF/resources/console/) and holds no data.
 */
@Path("/console")
public class ConsoleResource {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    ConsoleState state;

    @Inject
    ApiAccess access;

    @GET
    @Path("/api/jobs")
    @Produces(MediaType.APPLICATION_JSON)
    public List<Map<String, Object>> jobs() {
        return state.jobs();
    }

    @GET
    @Path("/api/jobs/{jobId}")
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> job(@PathParam("jobId") String jobId) {
        return state.job(jobId).orElseThrow(() -> new NotFoundException("the console has seen no job " + jobId));
    }

    @GET
    @Path("/api/dead-letters")
    @Produces(MediaType.APPLICATION_JSON)
    public List<Map<String, Object>> deadLetters() {
        return state.deadLetters();
    }

    /** Named events: "job" (the changed job's full view, as /api/jobs/{id}) and "dead-letter" (one letter). */
    @GET
    @Path("/api/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public void events(@Context SseEventSink sink, @Context Sse sse) {
        state.addListener(new Subscriber(sink, sse));
        // A first event tells the page the stream is open (and flushes the response headers).
        sink.send(sse.newEventBuilder().name("hello").data("{}").build());
    }

    /** One open event stream: forwards every change until the browser goes away, then unsubscribes itself. */
    private final class Subscriber implements BiConsumer<String, Map<String, Object>> {
        private final SseEventSink sink;
        private final Sse sse;

        Subscriber(SseEventSink sink, Sse sse) {
            this.sink = sink;
            this.sse = sse;
        }

        @Override
        public void accept(String name, Map<String, Object> payload) {
            if (sink.isClosed()) {
                state.removeListener(this);
                return;
            }
            String data;
            try {
                data = JSON.writeValueAsString(payload);
            } catch (JsonProcessingException e) {
                return;
            }
            sink.send(sse.newEventBuilder().name(name).data(data).build()).whenComplete((ok, failure) -> {
                if (failure != null) {
                    state.removeListener(this);
                    sink.close();
                }
            });
        }
    }

    /**
     * Exchanges the API token for the console's HttpOnly session cookie, an HMAC derived from the token (never the
     * token itself). 204 with the cookie; 401 for a wrong token; 204 without a cookie when the API is open.
     */
    @POST
    @Path("/login")
    @Produces(MediaType.APPLICATION_JSON)
    public Response login(@FormParam("token") String token, @Context UriInfo uri) {
        if (access.open()) {
            return Response.noContent().build();
        }
        if (!access.configured()) {
            return Response.status(503).entity(Map.of("error", "fedarch.api.token is not set: the console, like the"
                    + " REST API, refuses every request until an operator sets it")).build();
        }
        return access.consoleSession(token).map(session -> Response.noContent().cookie(new NewCookie.Builder(
                        BearerTokenFilter.CONSOLE_COOKIE).value(session).path("/console").httpOnly(true)
                        .secure("https".equalsIgnoreCase(uri.getBaseUri().getScheme()))
                        .sameSite(NewCookie.SameSite.STRICT).build()).build())
                .orElseGet(() -> Response.status(401).entity(Map.of("error", "the API token is not valid")).build());
    }

    /** Forgets the session cookie. */
    @POST
    @Path("/api/logout")
    public Response logout() {
        return Response.noContent().cookie(new NewCookie.Builder(BearerTokenFilter.CONSOLE_COOKIE).value("")
                .path("/console").httpOnly(true).maxAge(0).build()).build();
    }
}
