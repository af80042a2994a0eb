package io.fedarch.coordinator.console;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

import io.fedarch.broker.KafkaBrokerTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * The console's JSON API over a real broker: it sits behind the REST API's token, a browser gets in through the login
 * form's HttpOnly cookie (which is not the token), a job submitted through the REST API shows up with its state, and a
 * malformed message the coordinator dead-letters shows up with its reason.
 */
@QuarkusTest
@WithTestResource(KafkaBrokerTestResource.class)
class ConsoleApiTest {
    private static final Map<String, Object> TINY_JOB = Map.of("name", "console-api-test", "rounds", 1,
            "totalClients", 2, "clientsPerRound", 2, "pacing", "EXTERNAL",
            "model", Map.of("options", Map.of("conv1", 2, "conv2", 2, "hidden", 4)));

    private static String token() {
        return ConfigProvider.getConfig().getValue("fedarch.api.token", String.class);
    }

    @Test
    void theConsoleApiNeedsTheTokenOrTheSessionCookie() {
        given().get("/console/api/jobs").then().statusCode(401);
        given().get("/console/api/events").then().statusCode(401);
        given().cookie("fedarch-console", "forged").get("/console/api/jobs").then().statusCode(401)
                .body("error", containsString("sign in"));
        given().formParam("token", token() + "x").post("/console/login").then().statusCode(401);

        Response login = given().formParam("token", token()).post("/console/login");
        login.then().statusCode(204);
        String session = login.getCookie("fedarch-console");
        assertNotNull(session, "login sets the session cookie");
        assertFalse(session.contains(token()), "the cookie is derived from the token, not the token");
        assertTrue(login.getHeader("Set-Cookie").contains("HttpOnly"), login.getHeader("Set-Cookie"));

        given().cookie("fedarch-console", session).get("/console/api/jobs").then().statusCode(200);
        given().auth().oauth2(token()).get("/console/api/jobs").then().statusCode(200);
        // The cookie is the console's only: the job API still wants the header.
        given().cookie("fedarch-console", session).get("/jobs").then().statusCode(401);
    }

    @Test
    void aSubmittedJobAndADeadLetterShowUp() {
        String jobId = given().auth().oauth2(token()).contentType("application/json").body(TINY_JOB).post("/jobs")
                .then().statusCode(202).extract().path("jobId");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().auth().oauth2(token())
                .get("/console/api/jobs").then().statusCode(200).body("jobId", hasItem(jobId)));
        given().auth().oauth2(token()).get("/console/api/jobs/" + jobId).then().statusCode(200)
                .body("name", org.hamcrest.Matchers.equalTo("console-api-test"))
                .body("algorithm", org.hamcrest.Matchers.equalTo("fedavg"))
                .body("state", org.hamcrest.Matchers.oneOf("submitted", "running"))
                .body("totalRounds", org.hamcrest.Matchers.equalTo(1));
        given().auth().oauth2(token()).get("/console/api/jobs/job-never-submitted").then().statusCode(404);

        String bootstrap = ConfigProvider.getConfig().getValue("kafka.bootstrap.servers", String.class);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>("fedarch.jobs", "console-garbage",
                    "not an avro event".getBytes(StandardCharsets.UTF_8)));
        }
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            List<Map<String, Object>> letters = given().auth().oauth2(token()).get("/console/api/dead-letters")
                    .then().statusCode(200).extract().jsonPath().getList("$");
            assertTrue(letters.stream().anyMatch(l -> "console-garbage".equals(l.get("key"))
                    && "fedarch.jobs".equals(l.get("sourceTopic"))
                    && !String.valueOf(l.get("reason")).isBlank()), letters.toString());
        });
    }
}
