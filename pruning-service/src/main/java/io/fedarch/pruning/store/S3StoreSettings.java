package io.fedarch.pruning.store;

import java.net.URI;
import java.util.Optional;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The {@code fedarch.export.s3.*} settings and the client they describe.
 *
 * @param endpoint        an S3-compatible server's URL, or empty for AWS itself
 * @param bucket          must exist
 * @param region          signing region (any value for most S3-compatible servers)
 * @param prefix          key prefix of everything this service writes, without leading or trailing '/'; may be empty
 * @param pathStyle       {@code http://host/bucket/key} rather than {@code http://bucket.host/key}: what most
 *                        S3-compatible servers need
 * @param accessKeyId     with secretAccessKey a static key pair; both empty: the SDK's default chain (AWS_* env,
 *                        web identity, instance profile)
 */
public record S3StoreSettings(Optional<URI> endpoint, String bucket, String region, String prefix, boolean pathStyle,
                              Optional<String> accessKeyId, Optional<String> secretAccessKey) {

    public S3StoreSettings {
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalArgumentException("fedarch.export.store=s3 needs fedarch.export.s3.bucket");
        }
        if (region == null || region.isBlank()) {
            throw new IllegalArgumentException("fedarch.export.store=s3 needs fedarch.export.s3.region");
        }
        if (accessKeyId.isPresent() != secretAccessKey.isPresent()) {
            throw new IllegalArgumentException("fedarch.export.s3.access-key-id and fedarch.export.s3.secret-access-key "
                    + "go together (env FEDARCH_EXPORT_S3_ACCESS_KEY_ID, FEDARCH_EXPORT_S3_SECRET_ACCESS_KEY)");
        }
        prefix = prefix == null ? "" : prefix.replaceAll("^/+|/+$", "");
    }

    /** The key of {@code tail} under the prefix. */
    public String key(String tail) {
        return prefix.isEmpty() ? tail : prefix + "/" + tail;
    }

    /** A synchronous client over the JDK's HTTP connection: no extra HTTP stack in the service. */
    public S3Client client() {
        var builder = S3Client.builder()
                .region(Region.of(region))
                .forcePathStyle(pathStyle)
                .credentialsProvider(credentials())
                // S3-compatible servers often lack the CRC trailers the SDK sends by default since 2.30;
                // the store verifies sizes and SHA-256 digests itself.
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClient(UrlConnectionHttpClient.create());
        endpoint.ifPresent(builder::endpointOverride);
        return builder.build();
    }

    private AwsCredentialsProvider credentials() {
        if (accessKeyId.isPresent()) {
            return StaticCredentialsProvider.create(AwsBasicCredentials.create(accessKeyId.get(), secretAccessKey.get()));
        }
        return DefaultCredentialsProvider.builder().build();
    }

    /** No secret in logs. */
    @Override
    public String toString() {
        return "s3://" + bucket + "/" + prefix + " at " + endpoint.map(URI::toString).orElse("AWS") + " (" + region
                + (pathStyle ? ", path-style" : "") + ")";
    }
}
