package io.fedarch.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import io.fedarch.events.Artifact;
import io.fedarch.events.ModelReady;
import io.fedarch.objectstore.S3ProxyProcess;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A downstream consumer's two ways to a delivered model, as it would take them: the ModelReady's
 * {@code s3://} URIs with a plain S3 client and the key pair it was handed, and the artifacts topic
 * with examples/clients/fetch_model.py (Debian's python3 with python3-avro and python3-confluent-kafka,
 * the broker address, nothing of fedarch's). Both check every file's size and SHA-256.
 */
final class DeliveredFiles {
    private DeliveredFiles() {
    }

    /** Each announced file downloaded and verified against the ModelReady; by file name. */
    static Map<String, byte[]> fromObjectStore(S3ProxyProcess store, ModelReady model) {
        Map<String, byte[]> files = new TreeMap<>();
        try (S3Client s3 = S3Client.builder().endpointOverride(store.endpoint()).region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                        S3ProxyProcess.ACCESS_KEY_ID, S3ProxyProcess.SECRET_ACCESS_KEY)))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClient(UrlConnectionHttpClient.create()).build()) {
            for (Artifact file : model.getFiles()) {
                String uri = file.getPath();
                assertTrue(uri.startsWith(model.getArtifactUri()), uri + " under " + model.getArtifactUri());
                String bucketAndKey = uri.substring("s3://".length());
                int slash = bucketAndKey.indexOf('/');
                byte[] bytes = s3.getObjectAsBytes(b -> b.bucket(bucketAndKey.substring(0, slash))
                        .key(bucketAndKey.substring(slash + 1))).asByteArray();
                assertEquals(file.getSizeBytes(), bytes.length, uri);
                assertEquals(file.getSha256(), sha256(bytes), uri);
                files.put(uri.substring(model.getArtifactUri().length()), bytes);
            }
        }
        return files;
    }

    /** The job's GLOBAL delivery reassembled from fedarch.artifact-chunks by the outsider's script; by file name. */
    static Map<String, byte[]> fromArtifactsTopic(Path home, String bootstrapServers, String jobId, Path out)
            throws IOException, InterruptedException {
        Files.createDirectories(out);
        Process fetch = new ProcessBuilder("/usr/bin/python3", "examples/clients/fetch_model.py", bootstrapServers, jobId,
                out.toString(), "--timeout", "120").directory(home.toFile()).redirectErrorStream(true).start();
        String log = new String(fetch.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(fetch.waitFor(180, TimeUnit.SECONDS), log);
        assertEquals(0, fetch.exitValue(), "fetch_model.py (./fedarch test installs python3-avro and "
                + "python3-confluent-kafka):\n" + log);
        Map<String, byte[]> files = new TreeMap<>();
        try (var found = Files.walk(out)) {
            for (Path file : found.filter(Files::isRegularFile).toList()) {
                files.put(out.relativize(file).toString(), Files.readAllBytes(file));
            }
        }
        return files;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
