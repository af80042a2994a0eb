package io.fedarch.pruning.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import io.fedarch.events.Artifact;
import io.fedarch.pruning.export.ArtifactFiles;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Deliveries as objects in an S3-compatible store: {@code s3://<bucket>/<prefix>/<job>/<scope...>/<eventId>/<file>},
 * so no two deliveries share a key, and a key that already exists is never written again (looked up
 * before each PUT, and the PUT is conditional, If-None-Match, where the server honours that). The
 * local export directory is only scratch: a delivery is written there, uploaded, and removed once
 * announced.
 * <p>
 * A job's working files live under {@code <prefix>/<job>/working/<folder>/}: those change (the
 * search record notes its fine-tuning job) and are overwritten; they are never what a ModelReady names.
 */
public final class S3ArtifactStore implements ArtifactStore, AutoCloseable {
    private static final String SHA256_METADATA = "sha256";

    private final S3Client s3;
    private final S3StoreSettings settings;
    private final Path scratchDir;

    public S3ArtifactStore(S3Client s3, S3StoreSettings settings, Path scratchDir) {
        this.s3 = s3;
        this.settings = settings;
        this.scratchDir = scratchDir.toAbsolutePath();
    }

    /** Closes the client (its connection pool). */
    @Override
    public void close() {
        s3.close();
    }

    @Override
    public Path stagingDir(DeliveryLocation location) {
        Path dir = stagingPath(location);
        try {
            deleteRecursively(dir);
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the scratch directory " + dir, e);
        }
    }

    @Override
    public PublishedDelivery publish(DeliveryLocation location, List<StagedFile> files) {
        String base = settings.key(location.scopeKey() + "/" + location.deliveryId() + "/");
        List<Artifact> published = new ArrayList<>();
        for (StagedFile file : files) {
            published.add(upload(base + file.name(), file));
        }
        return new PublishedDelivery(location, uri(base), published);
    }

    /** The objects are immutable by their unique keys; only the scratch copy goes. */
    @Override
    public void seal(PublishedDelivery delivery) {
        try {
            deleteRecursively(stagingPath(delivery.location()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the scratch copy of " + delivery.uri(), e);
        }
    }

    /**
     * The scratch copy goes. Objects already uploaded for it stay unannounced under their unique
     * keys: nothing names them, and deleting is not this store's business.
     */
    @Override
    public void discard(DeliveryLocation location) {
        try {
            deleteRecursively(stagingPath(location));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the scratch copy of a failed delivery", e);
        }
    }

    @Override
    public Path workingDir(String jobDirName, String folder) {
        return scratchDir.resolve("working").resolve(jobDirName).resolve(folder);
    }

    /** Working files are only ever copied into deliveries, under keys of their own. */
    @Override
    public void requireNotDelivered(Path workingDir) {
    }

    @Override
    public void keepWorkingFiles(String jobDirName, String folder) {
        Path dir = workingDir(jobDirName, folder);
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                String key = workingKey(jobDirName, folder) + file.getFileName();
                try {
                    s3.putObject(b -> b.bucket(settings.bucket()).key(key), RequestBody.fromFile(file));
                } catch (SdkException e) {
                    throw new StoreUnavailableException("cannot keep " + file + " as " + uri(key) + ": " + e.getMessage(), e);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
    }

    /** The store is the truth: every kept file replaces the local copy (another instance may have written it). */
    @Override
    public void recallWorkingFiles(String jobDirName, String folder) {
        Path dir = workingDir(jobDirName, folder);
        String prefix = workingKey(jobDirName, folder);
        try {
            Files.createDirectories(dir);
            for (S3Object object : s3.listObjectsV2Paginator(b -> b.bucket(settings.bucket()).prefix(prefix)).contents()) {
                String name = object.key().substring(prefix.length());
                // Some servers (jclouds' filesystem store) list the directories between as keys ending in '/'.
                if (name.isEmpty() || name.contains("/")) {
                    continue;
                }
                Path target = dir.resolve(ArtifactFiles.safeName(name));
                Files.deleteIfExists(target);
                s3.getObject(b -> b.bucket(settings.bucket()).key(object.key()), ResponseTransformer.toFile(target));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to " + dir, e);
        } catch (SdkException e) {
            throw new StoreUnavailableException("cannot read " + uri(prefix) + ": " + e.getMessage(), e);
        }
    }

    private Artifact upload(String key, StagedFile file) {
        // Size and digest of the very bytes that go up: the file is not written again after this point.
        Artifact local = ArtifactFiles.artifact(file.local(), file.mediaType());
        String uri = uri(key);
        try {
            if (exists(key)) {
                throw new ArtifactOverwriteRejectedException(uri + " already exists; delivered files never change");
            }
            s3.putObject(b -> b.bucket(settings.bucket()).key(key).contentType(file.mediaType())
                    .contentLength(local.getSizeBytes()).ifNoneMatch("*")
                    .metadata(Map.of(SHA256_METADATA, local.getSha256())), RequestBody.fromFile(file.local()));
            HeadObjectResponse stored = s3.headObject(b -> b.bucket(settings.bucket()).key(key));
            if (stored.contentLength() != local.getSizeBytes()
                    || !local.getSha256().equals(stored.metadata().get(SHA256_METADATA))) {
                throw new StoreUnavailableException(uri + " holds " + stored.contentLength() + " bytes (sha256 "
                        + stored.metadata().get(SHA256_METADATA) + ") after uploading " + local.getSizeBytes()
                        + " bytes (sha256 " + local.getSha256() + ")", null);
            }
        } catch (S3Exception e) {
            if (e.statusCode() == 412) {
                throw new ArtifactOverwriteRejectedException(uri + " was written by someone else meanwhile; "
                        + "delivered files never change");
            }
            throw new StoreUnavailableException("cannot upload " + file.local() + " to " + uri + ": " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new StoreUnavailableException("cannot upload " + file.local() + " to " + uri + ": " + e.getMessage(), e);
        }
        return Artifact.newBuilder(local).setPath(uri).build();
    }

    private boolean exists(String key) {
        try {
            s3.headObject(b -> b.bucket(settings.bucket()).key(key));
            return true;
        } catch (NoSuchKeyException e) {
            return false;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return false;
            }
            throw e;
        }
    }

    private Path stagingPath(DeliveryLocation location) {
        Path dir = scratchDir.resolve("staging").resolve(location.jobDirName());
        for (String part : location.scopePath()) {
            dir = dir.resolve(part);
        }
        return dir.resolve(location.deliveryId());
    }

    private String workingKey(String jobDirName, String folder) {
        return settings.key(jobDirName + "/working/" + folder + "/");
    }

    private String uri(String key) {
        return "s3://" + settings.bucket() + "/" + key;
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
