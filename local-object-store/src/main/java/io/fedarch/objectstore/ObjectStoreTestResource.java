package io.fedarch.objectstore;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Quarkus test resource: a real s3proxy in a fresh temporary directory, with bucket
 * {@value #BUCKET}, for the tests of one Quarkus application start. Use
 * {@code @WithTestResource(ObjectStoreTestResource.class)} next to the Kafka broker's.
 *
 * <p>Points the pruning service's artifact store at it: {@code fedarch.export.store=s3}, the
 * {@code fedarch.export.s3.*} keys (endpoint, bucket, region, path-style, prefix, key pair) and a
 * scratch {@code fedarch.export.dir} of its own, deleted with the server.
 */
public final class ObjectStoreTestResource implements QuarkusTestResourceLifecycleManager {

    public static final String BUCKET = "fedarch-test";
    public static final String PREFIX = "exports";
    public static final String REGION = "us-east-1";

    private Path workDir;
    private S3ProxyProcess server;

    @Override
    public Map<String, String> start() {
        try {
            workDir = Files.createTempDirectory("fedarch-s3-");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a work directory for the test object store", e);
        }
        server = S3ProxyProcess.start(workDir);
        server.createBucket(BUCKET);
        Map<String, String> config = new LinkedHashMap<>();
        config.put("fedarch.export.store", "s3");
        config.put("fedarch.export.dir", workDir.resolve("scratch").toString());
        config.put("fedarch.export.s3.endpoint", server.endpoint().toString());
        config.put("fedarch.export.s3.bucket", BUCKET);
        config.put("fedarch.export.s3.region", REGION);
        config.put("fedarch.export.s3.prefix", PREFIX);
        config.put("fedarch.export.s3.path-style", "true");
        config.put("fedarch.export.s3.access-key-id", S3ProxyProcess.ACCESS_KEY_ID);
        config.put("fedarch.export.s3.secret-access-key", S3ProxyProcess.SECRET_ACCESS_KEY);
        return config;
    }

    @Override
    public void stop() {
        if (server != null) {
            server.close();
            server = null;
        }
        if (workDir != null) {
            try (Stream<Path> paths = Files.walk(workDir)) {
                paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot delete the test object store directory " + workDir, e);
            }
            workDir = null;
        }
    }
}
