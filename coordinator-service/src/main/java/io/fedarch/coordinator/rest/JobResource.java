package io.fedarch.coordinator.rest;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import io.fedarch.coordinator.messaging.EventPublisher;
import io.fedarch.coordinator.service.FederationService;
import io.fedarch.coordinator.service.JobRegistry;
import io.fedarch.coordinator.service.JobStatus;
import io.fedarch.core.federation.InputRejectedException;
import io.fedarch.events.JobSpec;
import io.fedarch.events.JobSubmitted;
import io.fedarch.events.spec.JobSpecReader;

/**
 * For humans: POST a job as JSON (the JobSpec fields; omitted ones take the schema defaults).
 * The job is not started here: it is published to fedarch.jobs like any external system's job,
 * and the coordinator picks it up from there. Every request needs the API token (security/BearerTokenFilter).
 */
@Path("/jobs")
@Produces(MediaType.APPLICATION_JSON)
public class JobResource {
    @Inject
    EventPublisher publisher;

    @Inject
    FederationService federation;

    @Inject
    JobRegistry jobs;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public CompletionStage<Response> submit(Map<String, Object> body) {
        JobSpec spec;
        try {
            spec = JobSpecReader.fromMap(body == null ? Map.of() : body);
            // A child job's result is delivered as its parent's model: a caller who could name a parent
            // could replace another job's result (the job id is generated here for the same reason).
            if (spec.getParentJobId() != null) {
                throw new IllegalArgumentException("parentJobId is set only by the pipeline that owns the job");
            }
            federation.validate(spec);
        } catch (IllegalArgumentException | InputRejectedException e) {
            return CompletableFuture.completedFuture(
                    Response.status(Response.Status.BAD_REQUEST).entity(Map.of("error", e.getMessage())).build());
        }
        JobSubmitted event = JobSubmitted.newBuilder()
                .setEventId(UUID.randomUUID().toString())
                .setJobId("job-" + UUID.randomUUID())
                .setTimestamp(Instant.now())
                .setSpec(spec)
                .build();
        return publisher.jobSubmitted(event).thenApply(sent -> Response.accepted(
                Map.of("jobId", event.getJobId(), "eventId", event.getEventId())).build());
    }

    @GET
    public List<JobStatus> list() {
        return jobs.all().stream().map(JobStatus::of).toList();
    }

    @GET
    @Path("{jobId}")
    public JobStatus get(@PathParam("jobId") String jobId) {
        return jobs.find(jobId).map(JobStatus::of)
                .orElseThrow(() -> new NotFoundException("unknown job " + jobId));
    }
}
