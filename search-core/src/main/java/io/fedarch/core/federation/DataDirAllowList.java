package io.fedarch.core.federation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

import io.fedarch.events.JobSpec;

/**
 * Which directories a job's {@code data.dataDir} may name (review M8). A job spec comes from any
 * submitter, and the services that read its dataset (workers for training, the pruning service for
 * test evaluation) would otherwise open any IDX files on their node — another tenant's dataset, a
 * mount — and publish a model of them. A service allows its own data directory and the roots its
 * operator lists ({@code fedarch.data.allowed-roots}); a job without a dataDir reads the service's
 * own directory and is always allowed.
 *
 * <p>The check is on the path the service would open: {@code ..} is refused outright (no dataset
 * needs it, and after a symlink it does not mean what it looks like), the longest existing prefix
 * is resolved with {@code toRealPath} so a link inside a root cannot lead out of it, and the result
 * must be a root or lie below one.
 */
public final class DataDirAllowList {
    private final List<Path> roots;

    private DataDirAllowList(List<Path> roots) {
        this.roots = roots;
    }

    /** The directories (and everything below them) a job may name; relative ones are taken from the working directory. */
    public static DataDirAllowList of(Collection<Path> roots) {
        return new DataDirAllowList(roots.stream().map(DataDirAllowList::resolved).distinct().toList());
    }

    /** The roots as compared: absolute, symlinks resolved. */
    public List<Path> roots() {
        return roots;
    }

    /** Why the job may not read its dataDir, or empty when it may (no dataDir, or one under an allowed root). */
    public Optional<String> refusal(JobSpec spec) {
        String dataDir = spec.getData() == null ? null : spec.getData().getDataDir();
        if (dataDir == null || dataDir.isBlank()) {
            return Optional.empty();
        }
        Path asked;
        try {
            asked = Path.of(dataDir);
        } catch (InvalidPathException e) {
            return Optional.of("data.dataDir '" + dataDir + "' is not a valid path: " + e.getReason());
        }
        for (Path part : asked) {
            if (part.toString().equals("..")) {
                return Optional.of("data.dataDir '" + dataDir + "' contains '..'; name the dataset directory itself");
            }
        }
        Path real;
        try {
            real = resolved(asked);
        } catch (UncheckedIOException e) {
            return Optional.of("data.dataDir '" + dataDir + "' cannot be resolved: " + e.getCause().getMessage());
        }
        for (Path root : roots) {
            if (real.startsWith(root)) {
                return Optional.empty();
            }
        }
        return Optional.of("data.dataDir '" + dataDir + "'" + (real.toString().equals(dataDir) ? "" : " (" + real + ")")
                + " is not under a dataset root this service allows " + roots
                + " (fedarch.data.allowed-roots)");
    }

    /** Absolute, with the longest existing prefix's symlinks resolved (the rest cannot be a link yet). */
    private static Path resolved(Path path) {
        Path absolute = path.toAbsolutePath().normalize();
        Path existing = absolute;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return absolute;
        }
        try {
            return existing.toRealPath().resolve(existing.relativize(absolute));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resolve " + existing, e);
        }
    }
}
