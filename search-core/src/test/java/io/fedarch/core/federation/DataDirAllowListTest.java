package io.fedarch.core.federation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.fedarch.events.JobSpec;

/** Which dataDir a job may name (review M8): under an allowed root, after symlinks, never with '..'. */
class DataDirAllowListTest {
    @TempDir
    Path tmp;

    private static JobSpec job(String dataDir) {
        Map<String, Object> data = new HashMap<>(Map.of("partition", Map.of("scheme", "IID")));
        if (dataDir != null) {
            data.put("dataDir", dataDir);
        }
        return EngineFixtures.spec(Map.of("data", data));
    }

    @Test
    void aDataDirMustLieUnderAnAllowedRootOnceSymlinksAreResolved() throws IOException {
        Path datasets = Files.createDirectories(tmp.resolve("datasets"));
        Path fmnist = Files.createDirectories(datasets.resolve("fashion-mnist"));
        Path extra = Files.createDirectories(tmp.resolve("extra"));
        Path tenant = Files.createDirectories(tmp.resolve("other-tenant"));
        Path sibling = Files.createDirectories(tmp.resolve("datasets-private"));
        Path linkOut = Files.createSymbolicLink(datasets.resolve("looks-inside"), tenant);
        Path linkIn = Files.createSymbolicLink(tmp.resolve("alias"), fmnist);
        DataDirAllowList allowed = DataDirAllowList.of(List.of(datasets, extra));

        assertEquals(Optional.empty(), allowed.refusal(job(null)), "no dataDir: the service's own directory");
        assertEquals(Optional.empty(), allowed.refusal(job("")));
        assertEquals(Optional.empty(), allowed.refusal(job(datasets.toString())));
        assertEquals(Optional.empty(), allowed.refusal(job(fmnist.toString())));
        assertEquals(Optional.empty(), allowed.refusal(job(extra.toString())));
        assertEquals(Optional.empty(), allowed.refusal(job(fmnist + "/./")));
        assertEquals(Optional.empty(), allowed.refusal(job(fmnist.resolve("not-yet").toString())),
                "below a root, even before it exists");
        assertEquals(Optional.empty(), allowed.refusal(job(linkIn.toString())), "a link into a root is the root");

        assertEquals(Optional.of("data.dataDir '" + tenant + "' is not under a dataset root this service allows "
                + allowed.roots() + " (fedarch.data.allowed-roots)"), allowed.refusal(job(tenant.toString())));
        assertTrue(allowed.refusal(job(sibling.toString())).isPresent(), "a shared name prefix is not a parent");
        assertEquals(Optional.of("data.dataDir '" + linkOut + "' (" + tenant.toRealPath() + ") is not under a "
                + "dataset root this service allows " + allowed.roots() + " (fedarch.data.allowed-roots)"),
                allowed.refusal(job(linkOut.toString())), "a link inside a root that leads out of it");
        assertTrue(allowed.refusal(job(linkOut.resolve("later").toString())).isPresent());
        assertEquals(Optional.of("data.dataDir '" + fmnist + "/../../other-tenant' contains '..'; name the dataset "
                + "directory itself"), allowed.refusal(job(fmnist + "/../../other-tenant")));
        assertTrue(allowed.refusal(job(fmnist + "/..")).isPresent(), "'..' even when it stays inside");
        assertTrue(allowed.refusal(job("relative/fashion-mnist")).isPresent(), "relative to the service's cwd");
        assertTrue(allowed.refusal(job("/")).isPresent());
    }
}
