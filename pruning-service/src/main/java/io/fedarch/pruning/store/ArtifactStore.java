package io.fedarch.pruning.store;

import java.nio.file.Path;
import java.util.List;

/**
 * Where delivered models' files end up, and where a job's working files (FedNAS's search record,
 * the derived network's inherited weights) outlive this process.
 * <p>
 * A delivery is written locally into {@link #stagingDir}, {@link #publish published} (every file, or
 * an exception and nothing announced), announced in a ModelReady by the caller, and then
 * {@link #seal sealed}: from then on its files never change.
 */
public interface ArtifactStore {

    /** A fresh local directory to write the delivery's files into. */
    Path stagingDir(DeliveryLocation location);

    /**
     * Makes every staged file readable by consumers and describes them for ModelReady.
     *
     * @throws ArtifactOverwriteRejectedException when a file of an earlier delivery would be replaced
     */
    PublishedDelivery publish(DeliveryLocation location, List<StagedFile> files);

    /** Called once the delivery's ModelReady is published: its files are final. */
    void seal(PublishedDelivery delivery);

    /** Called when a delivery failed before it was announced: drops what only this attempt needed. */
    void discard(DeliveryLocation location);

    /** The local directory of a job's working files in {@code folder} (e.g. {@code search}). */
    Path workingDir(String jobDirName, String folder);

    /**
     * Refuses to rewrite working files that an earlier delivery announced in place.
     *
     * @throws ArtifactOverwriteRejectedException naming the file
     */
    void requireNotDelivered(Path workingDir);

    /** Keeps every file of a job's working folder beyond this process (a no-op where the local disk is that place). */
    void keepWorkingFiles(String jobDirName, String folder);

    /** Brings back a job's working folder kept by {@link #keepWorkingFiles}, where the local copy is missing. */
    void recallWorkingFiles(String jobDirName, String folder);
}
