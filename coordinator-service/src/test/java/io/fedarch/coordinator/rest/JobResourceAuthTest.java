package io.fedarch.coordinator.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;

import java.util.Map;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.fedarch.broker.KafkaBrokerTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The REST API answers only holders of the configured bearer token (review finding H6): every
 * endpoint refuses a request without it, and a submitted job cannot claim to belong to another job.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerTestResource.class)
class JobResourceAuthTest {
    private static final Map<String, Object> TINY_JOB = Map.of("rounds", 1, "totalClients", 2, "clientsPerRound", 2,
            "pacing", "EXTERNAL", "model", Map.of("options", Map.of("conv1", 2, "conv2", 2, "hidden", 4)));

    private static String token() {
        return ConfigProvider.getConfig().getValue("fedarch.api.token", String.class);
    }

    @Test
    void everyEndpointRefusesARequestWithoutTheToken() {
        given().contentType("application/json").body(TINY_JOB).post("/jobs").then().statusCode(401)
                .header("WWW-Authenticate", startsWith("Bearer"))
                .body("error", containsString("Authorization: Bearer"));
        given().get("/jobs").then().statusCode(401).body("error", containsString("Bearer"));
        given().get("/jobs/job-unknown").then().statusCode(401);
    }

    @Test
    void aWrongTokenOrAnotherSchemeIsRefused() {
        given().header("Authorization", "Bearer " + token() + "x").contentType("application/json").body(TINY_JOB)
                .post("/jobs").then().statusCode(401).body("error", containsString("token"));
        given().header("Authorization", "Bearer " + token().substring(1)).get("/jobs").then().statusCode(401);
        given().header("Authorization", "Basic " + token()).get("/jobs").then().statusCode(401);
        given().header("Authorization", "Bearer").get("/jobs").then().statusCode(401);
    }

    @Test
    void theTokenIsAccepted() {
        given().auth().oauth2(token()).contentType("application/json").body(TINY_JOB)
                .post("/jobs").then().statusCode(202).body("jobId", startsWith("job-"));
        given().auth().oauth2(token()).get("/jobs").then().statusCode(200);
        given().auth().oauth2(token()).get("/jobs/job-unknown").then().statusCode(404);
    }

    @Test
    void healthIsNotBehindTheApiToken() {
        given().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void aSubmittedJobCannotClaimAParentJob() {
        Map<String, Object> child = new java.util.HashMap<>(TINY_JOB);
        child.put("parentJobId", "job-of-someone-else");
        given().auth().oauth2(token()).contentType("application/json").body(child)
                .post("/jobs").then().statusCode(400)
                .body("error", containsString("parentJobId is set only by the pipeline that owns the job"));
    }
}
