package io.fedarch.pruning.store;

import static org.junit.jupiter.api.Assertions.*;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fedarch.events.Artifact;
import io.fedarch.objectstore.S3ProxyProcess;
import io.fedarch.pruning.export.ArtifactFiles;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** The S3 store against a real S3-compatible server (s3proxy in a child JVM), read back with a plain client. */
class S3ArtifactStoreTest {
    private static final String BUCKET = "models";
    private static Path serverDir;
    private static S3ProxyProcess server;
    private static S3StoreSettings settings;
    private static S3Client s3;

    @BeforeAll
    static void startServer() throws Exception {
        serverDir = Files.createTempDirectory("s3-store-test-");
        server = S3ProxyProcess.start(serverDir);
        server.createBucket(BUCKET);
        settings = new S3StoreSettings(Optional.of(server.endpoint()), BUCKET, "us-east-1", "/fedarch/", true,
                Optional.of(S3ProxyProcess.ACCESS_KEY_ID), Optional.of(S3ProxyProcess.SECRET_ACCESS_KEY));
        s3 = settings.client();
    }

    @AfterAll
    static void stopServer() {
        s3.close();
        server.close();
    }

    private static byte[] download(String uri) {
        assertTrue(uri.startsWith("s3://" + BUCKET + "/"), uri);
        String key = uri.substring(("s3://" + BUCKET + "/").length());
        return s3.getObjectAsBytes(b -> b.bucket(BUCKET).key(key)).asByteArray();
    }

    @Test
    void uploadsUnderKeysOfTheDeliveryAndDescribesTheBytesUploaded(@TempDir Path scratch) throws Exception {
        S3ArtifactStore store = new S3ArtifactStore(s3, settings, scratch);
        String job = "job-" + UUID.randomUUID();
        DeliveryLocation location = new DeliveryLocation(job, List.of("clients", "3"), "event-1");
        Path dir = store.stagingDir(location);
        assertTrue(dir.startsWith(scratch.toAbsolutePath()), "staged in scratch: " + dir);
        byte[] weights = new byte[100_000];
        new java.util.Random(7).nextBytes(weights);
        Path model = Files.write(dir.resolve("model.safetensors"), weights);
        Path report = Files.writeString(Files.createDirectories(store.workingDir(job, "search")).resolve("a.csv"), "x,y\n");

        PublishedDelivery published = store.publish(location, List.of(
                new StagedFile("model.safetensors", model, "application/vnd.safetensors"),
                new StagedFile("search/a.csv", report, "text/csv")));
        assertEquals("s3://models/fedarch/" + job + "/clients/3/event-1/", published.uri());
        assertEquals(List.of(published.uri() + "model.safetensors", published.uri() + "search/a.csv"),
                published.files().stream().map(Artifact::getPath).toList());
        for (Artifact file : published.files()) {
            byte[] bytes = download(file.getPath());
            assertEquals(file.getSizeBytes(), bytes.length, file.getPath());
            assertEquals(file.getSha256(), ArtifactFiles.sha256(bytes), file.getPath());
        }
        assertArrayEquals(weights, download(published.files().get(0).getPath()));
        assertEquals("application/vnd.safetensors", s3.headObject(b -> b.bucket(BUCKET)
                .key("fedarch/" + job + "/clients/3/event-1/model.safetensors")).contentType());

        store.seal(published);
        assertFalse(Files.exists(dir), "the scratch copy goes once the delivery is announced");
    }

    @Test
    void neverOverwritesAnExistingKey(@TempDir Path scratch) throws Exception {
        S3ArtifactStore store = new S3ArtifactStore(s3, settings, scratch);
        String job = "job-" + UUID.randomUUID();
        DeliveryLocation location = new DeliveryLocation(job, List.of("global"), "event-1");
        Path first = Files.writeString(store.stagingDir(location).resolve("model.json"), "{\"v\":1}");
        Artifact published = store.publish(location, List.of(new StagedFile("model.json", first, "application/json")))
                .files().get(0);

        // The same delivery id again (a replayed delivery, a bug, another writer): refused, the object unchanged.
        Path second = Files.writeString(store.stagingDir(location).resolve("model.json"), "{\"v\":2}");
        ArtifactOverwriteRejectedException refused = assertThrows(ArtifactOverwriteRejectedException.class,
                () -> store.publish(location, List.of(new StagedFile("model.json", second, "application/json"))));
        assertTrue(refused.getMessage().contains(published.getPath() + " already exists"), refused.getMessage());
        byte[] stored = download(published.getPath());
        assertEquals("{\"v\":1}", new String(stored, StandardCharsets.UTF_8));
        assertEquals(published.getSha256(), ArtifactFiles.sha256(stored));
    }

    /** A restart on an empty scratch disk: what was kept comes back from the store, newest version. */
    @Test
    void workingFilesKeptByOneInstanceComeBackInAnotherWithAnEmptyDisk(@TempDir Path before, @TempDir Path after)
            throws Exception {
        String job = "job-" + UUID.randomUUID();
        S3ArtifactStore first = new S3ArtifactStore(s3, settings, before);
        Path search = Files.createDirectories(first.workingDir(job, "search"));
        Files.writeString(search.resolve("search.json"), "{\"v\":1}");
        Files.write(search.resolve("derived-inherited.safetensors"), new byte[] {9, 8, 7});
        first.keepWorkingFiles(job, "search");
        Files.writeString(search.resolve("search.json"), "{\"v\":2}");
        first.keepWorkingFiles(job, "search");

        S3ArtifactStore restarted = new S3ArtifactStore(s3, settings, after);
        Path recalled = restarted.workingDir(job, "search");
        assertFalse(Files.exists(recalled));
        restarted.recallWorkingFiles(job, "search");
        assertEquals("{\"v\":2}", Files.readString(recalled.resolve("search.json")));
        assertArrayEquals(new byte[] {9, 8, 7}, Files.readAllBytes(recalled.resolve("derived-inherited.safetensors")));
        // A job that kept nothing recalls nothing, and that is no error.
        restarted.recallWorkingFiles("job-" + UUID.randomUUID(), "search");
    }

    @Test
    void anUnreachableStoreIsAClearErrorNotAHang(@TempDir Path scratch) throws Exception {
        S3StoreSettings nowhere = new S3StoreSettings(Optional.of(URI.create("http://127.0.0.1:9")), BUCKET,
                "us-east-1", "", true, Optional.of("a"), Optional.of("b"));
        try (S3Client client = nowhere.client()) {
            S3ArtifactStore store = new S3ArtifactStore(client, nowhere, scratch);
            DeliveryLocation location = new DeliveryLocation("job", List.of("global"), "e");
            Path file = Files.writeString(store.stagingDir(location).resolve("model.json"), "{}");
            StoreUnavailableException e = assertThrows(StoreUnavailableException.class,
                    () -> store.publish(location, List.of(new StagedFile("model.json", file, "application/json"))));
            assertTrue(e.getMessage().contains("s3://models/job/global/e/model.json"), e.getMessage());
            store.discard(location);
            assertFalse(Files.exists(file.getParent()), "a failed delivery leaves no scratch behind");
        }
    }

    @Test
    void settingsThatCannotWorkAreRefusedWithTheKeyToFix() {
        IllegalArgumentException noBucket = assertThrows(IllegalArgumentException.class, () -> new S3StoreSettings(
                Optional.empty(), "", "us-east-1", "", true, Optional.empty(), Optional.empty()));
        assertTrue(noBucket.getMessage().contains("fedarch.export.s3.bucket"), noBucket.getMessage());
        IllegalArgumentException halfPair = assertThrows(IllegalArgumentException.class, () -> new S3StoreSettings(
                Optional.empty(), "b", "us-east-1", "", true, Optional.of("id"), Optional.empty()));
        assertTrue(halfPair.getMessage().contains("FEDARCH_EXPORT_S3_SECRET_ACCESS_KEY"), halfPair.getMessage());
        assertFalse(new S3StoreSettings(Optional.empty(), "b", "r", "p", true, Optional.of("id"), Optional.of("secret"))
                .toString().contains("secret"), "no secret in logs");
    }
}
