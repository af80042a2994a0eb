package io.fedarch.pruning.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import io.fedarch.events.Artifact;
import io.fedarch.pruning.export.ArtifactFiles;

/**
 * Deliveries as plain files under the export directory ({@code <dir>/<job>/global/} and so on),
 * read where they lie; the default, for {@code ./fedarch run} and a persistent volume.
 * <p>
 * Sealing makes the delivered files and their directory read-only. Because a process running as
 * root ignores permission bits, the store itself also refuses to write into a sealed directory.
 */
public final class FilesystemArtifactStore implements ArtifactStore {
    private static final Set<PosixFilePermission> READ_ONLY_FILE = PosixFilePermissions.fromString("r--r--r--");
    private static final Set<PosixFilePermission> READ_ONLY_DIR = PosixFilePermissions.fromString("r-xr-xr-x");

    private final Path exportDir;

    public FilesystemArtifactStore(Path exportDir) {
        this.exportDir = exportDir.toAbsolutePath();
    }

    public Path exportDir() {
        return exportDir;
    }

    @Override
    public Path stagingDir(DeliveryLocation location) {
        Path dir = exportDir.resolve(location.jobDirName());
        for (String part : location.scopePath()) {
            dir = dir.resolve(part);
        }
        if (isSealed(dir)) {
            throw new ArtifactOverwriteRejectedException("the " + String.join("/", location.scopePath())
                    + " model of " + location.jobDirName() + " was already delivered in " + dir
                    + "; delivered files never change");
        }
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }

    /** The files are already where consumers read them: only their sizes and digests are taken. */
    @Override
    public PublishedDelivery publish(DeliveryLocation location, List<StagedFile> files) {
        List<Artifact> artifacts = new ArrayList<>();
        for (StagedFile file : files) {
            artifacts.add(ArtifactFiles.artifact(file.local(), file.mediaType()));
        }
        return new PublishedDelivery(location, stagingDir(location).toString(), artifacts);
    }

    @Override
    public void seal(PublishedDelivery delivery) {
        try {
            for (Artifact file : delivery.files()) {
                Files.setPosixFilePermissions(Path.of(file.getPath()), READ_ONLY_FILE);
            }
            Files.setPosixFilePermissions(Path.of(delivery.uri()), READ_ONLY_DIR);
        } catch (IOException | UnsupportedOperationException e) {
            throw new IllegalStateException("cannot make the delivered files of " + delivery.uri() + " read-only", e);
        }
    }

    /** The unsealed files stay: a retry of the same delivery rewrites them, as before there was a store. */
    @Override
    public void discard(DeliveryLocation location) {
    }

    @Override
    public Path workingDir(String jobDirName, String folder) {
        return exportDir.resolve(jobDirName).resolve(folder);
    }

    @Override
    public void requireNotDelivered(Path workingDir) {
        if (!Files.isDirectory(workingDir)) {
            return;
        }
        try (Stream<Path> files = Files.list(workingDir)) {
            files.filter(FilesystemArtifactStore::isSealed).findFirst().ifPresent(sealed -> {
                throw new ArtifactOverwriteRejectedException(sealed + " belongs to a model already delivered; "
                        + "delivered files never change");
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + workingDir, e);
        }
    }

    /** The export directory is the place that outlives the process. */
    @Override
    public void keepWorkingFiles(String jobDirName, String folder) {
    }

    @Override
    public void recallWorkingFiles(String jobDirName, String folder) {
    }

    /** Sealed = the owner may not write: what {@link #seal} leaves, whoever runs this process. */
    static boolean isSealed(Path path) {
        try {
            return Files.exists(path) && !Files.getPosixFilePermissions(path).contains(PosixFilePermission.OWNER_WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the permissions of " + path, e);
        }
    }
}
