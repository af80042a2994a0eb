package io.fedarch.pruning.store;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fedarch.events.Artifact;
import io.fedarch.pruning.export.ArtifactFiles;

/** Today's layout under the export directory, plus: a delivered model's files are read-only and never rewritten. */
class FilesystemArtifactStoreTest {

    @Test
    void publishesFilesWhereTheyLieAndSealingMakesThemReadOnlyAndRefusesASecondDelivery(@TempDir Path exportDir)
            throws Exception {
        FilesystemArtifactStore store = new FilesystemArtifactStore(exportDir);
        DeliveryLocation global = new DeliveryLocation("job-1", List.of("global"), "event-1");
        Path dir = store.stagingDir(global);
        assertEquals(exportDir.toAbsolutePath().resolve("job-1").resolve("global"), dir);
        Path weights = Files.write(dir.resolve("model.safetensors"), new byte[] {1, 2, 3, 4});

        PublishedDelivery published = store.publish(global, List.of(
                new StagedFile("model.safetensors", weights, "application/vnd.safetensors")));
        assertEquals(dir.toString(), published.uri());
        Artifact file = published.files().get(0);
        assertEquals(weights.toString(), file.getPath());
        assertEquals(4, file.getSizeBytes());
        assertEquals(ArtifactFiles.sha256(new byte[] {1, 2, 3, 4}), file.getSha256());

        store.seal(published);
        assertFalse(Files.getPosixFilePermissions(weights).contains(PosixFilePermission.OWNER_WRITE));
        assertFalse(Files.getPosixFilePermissions(dir).contains(PosixFilePermission.OWNER_WRITE));

        // A second delivery to the same place (a redelivered event, another instance) is refused before anything is written.
        DeliveryLocation again = new DeliveryLocation("job-1", List.of("global"), "event-2");
        ArtifactOverwriteRejectedException refused = assertThrows(ArtifactOverwriteRejectedException.class,
                () -> store.stagingDir(again));
        assertTrue(refused.getMessage().contains("already delivered"), refused.getMessage());
        assertEquals(file.getSha256(), ArtifactFiles.sha256(Files.readAllBytes(weights)), "the published bytes stay");
    }

    @Test
    void workingFilesAnnouncedInPlaceAreNotRewrittenOnceDelivered(@TempDir Path exportDir) throws Exception {
        FilesystemArtifactStore store = new FilesystemArtifactStore(exportDir);
        Path search = Files.createDirectories(store.workingDir("job-2", "search"));
        Path record = Files.writeString(search.resolve("search.json"), "{}");
        store.requireNotDelivered(search);

        DeliveryLocation global = new DeliveryLocation("job-2", List.of("global"), "event-1");
        Path model = Files.writeString(store.stagingDir(global).resolve("model.json"), "{\"a\":1}");
        store.seal(store.publish(global, List.of(new StagedFile("model.json", model, "application/json"),
                new StagedFile("search/search.json", record, "application/json"))));

        ArtifactOverwriteRejectedException refused = assertThrows(ArtifactOverwriteRejectedException.class,
                () -> store.requireNotDelivered(search));
        assertTrue(refused.getMessage().contains("search.json"), refused.getMessage());
        // Another job's working folder is its own.
        store.requireNotDelivered(Files.createDirectories(store.workingDir("job-3", "search")));
    }
}
