package io.fedarch.objectstore;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The local object store as any S3 user sees it: the plain AWS SDK v2, path-style, the fixed key pair. */
class S3ProxyProcessTest {

    private static S3Client client(S3ProxyProcess server, String secret) {
        return S3Client.builder()
                .endpointOverride(server.endpoint())
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(S3ProxyProcess.ACCESS_KEY_ID, secret)))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    @Test
    void storesListsAndServesObjectsKeepsThemAcrossARestartAndRefusesAWrongSecret(@TempDir Path workDir) {
        try (S3ProxyProcess server = S3ProxyProcess.start(workDir);
             S3Client s3 = client(server, S3ProxyProcess.SECRET_ACCESS_KEY)) {
            server.createBucket("models");
            s3.putObject(b -> b.bucket("models").key("job/global/model.json"),
                    RequestBody.fromString("{\"ok\":true}", StandardCharsets.UTF_8));
            // jclouds' filesystem store also lists the directories between as keys ending in '/'; clients skip them.
            List<String> keys = s3.listObjectsV2(b -> b.bucket("models").prefix("job/")).contents().stream()
                    .map(S3Object::key).filter(key -> !key.endsWith("/")).toList();
            assertEquals(List.of("job/global/model.json"), keys);
            assertTrue(server.dataDir().resolve("models").toFile().isDirectory(), "a bucket is a directory");

            try (S3Client intruder = client(server, "not-the-secret")) {
                S3Exception refused = assertThrows(S3Exception.class,
                        () -> intruder.getObjectAsBytes(b -> b.bucket("models").key("job/global/model.json")));
                assertEquals(403, refused.statusCode());
            }
        }
        // The same work directory again: the object is still there (a restart keeps the data).
        try (S3ProxyProcess again = S3ProxyProcess.start(workDir);
             S3Client s3 = client(again, S3ProxyProcess.SECRET_ACCESS_KEY)) {
            assertEquals("{\"ok\":true}", s3.getObjectAsBytes(b -> b.bucket("models").key("job/global/model.json"))
                    .asString(StandardCharsets.UTF_8));
        }
    }

    /**
     * s3proxy 2.6.0 on the filesystem store ignores If-None-Match on PUT (AWS S3 and MinIO refuse with 412):
     * a store that must never overwrite has to look before it writes. Fails once s3proxy starts honouring it.
     */
    @Test
    void aConditionalPutDoesNotStopAnOverwriteHere(@TempDir Path workDir) {
        try (S3ProxyProcess server = S3ProxyProcess.start(workDir);
             S3Client s3 = client(server, S3ProxyProcess.SECRET_ACCESS_KEY)) {
            server.createBucket("models");
            s3.putObject(b -> b.bucket("models").key("k").ifNoneMatch("*"), RequestBody.fromString("first"));
            s3.putObject(b -> b.bucket("models").key("k").ifNoneMatch("*"), RequestBody.fromString("second"));
            assertEquals("second", s3.getObjectAsBytes(b -> b.bucket("models").key("k")).asUtf8String());
        }
    }

    @Test
    void aBucketNameS3WouldRefuseIsRefusedUpFront(@TempDir Path workDir) {
        try (S3ProxyProcess server = S3ProxyProcess.start(workDir)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> server.createBucket("../x"));
            assertTrue(e.getMessage().contains("not an S3 bucket name"), e.getMessage());
        }
    }
}
