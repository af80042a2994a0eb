package io.fedarch.pruning.store;

import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Chooses the artifact store from {@code fedarch.export.store}: {@code filesystem} (the default: files
 * under {@code fedarch.export.dir}) or {@code s3} ({@code fedarch.export.s3.*}; the export directory
 * is then scratch only).
 */
@ApplicationScoped
public class ArtifactStoreProducer {
    private static final Logger LOG = Logger.getLogger(ArtifactStoreProducer.class);

    @ConfigProperty(name = "fedarch.export.store", defaultValue = "filesystem")
    String store;

    @ConfigProperty(name = "fedarch.export.dir")
    Path exportDir;

    @ConfigProperty(name = "fedarch.export.s3.endpoint")
    Optional<URI> endpoint;

    @ConfigProperty(name = "fedarch.export.s3.bucket")
    Optional<String> bucket;

    @ConfigProperty(name = "fedarch.export.s3.region", defaultValue = "us-east-1")
    String region;

    @ConfigProperty(name = "fedarch.export.s3.prefix", defaultValue = "")
    Optional<String> prefix;

    @ConfigProperty(name = "fedarch.export.s3.path-style", defaultValue = "true")
    boolean pathStyle;

    @ConfigProperty(name = "fedarch.export.s3.access-key-id")
    Optional<String> accessKeyId;

    @ConfigProperty(name = "fedarch.export.s3.secret-access-key")
    Optional<String> secretAccessKey;

    @Produces
    @ApplicationScoped
    ArtifactStore artifactStore() {
        switch (store.trim().toLowerCase(Locale.ROOT)) {
            case "filesystem" -> {
                LOG.infof("artifact store: files under %s", exportDir.toAbsolutePath());
                return new FilesystemArtifactStore(exportDir);
            }
            case "s3" -> {
                S3StoreSettings settings = new S3StoreSettings(endpoint, bucket.orElse(null), region, prefix.orElse(""),
                        pathStyle, accessKeyId, secretAccessKey);
                LOG.infof("artifact store: %s, scratch in %s", settings, exportDir.toAbsolutePath());
                return new S3ArtifactStore(settings.client(), settings, exportDir);
            }
            default -> throw new IllegalArgumentException("fedarch.export.store is '" + store
                    + "'; it must be filesystem or s3");
        }
    }

    void close(@Disposes ArtifactStore store) {
        if (store instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                LOG.warnf(e, "closing the artifact store");
            }
        }
    }
}
