package io.fedarch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiTokenFileTest {
    @TempDir
    Path dir;

    @Test
    void aNewTokenIsRandomLongAndReadableByItsOwnerOnly() throws Exception {
        Path file = dir.resolve("run-a").resolve(ApiTokenFile.NAME);
        String token = ApiTokenFile.readOrCreate(file);
        assertTrue(token.length() >= 43 && token.matches("[A-Za-z0-9_-]+"), token);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertNotEquals(token, ApiTokenFile.readOrCreate(dir.resolve("run-b").resolve(ApiTokenFile.NAME)));
    }

    @Test
    void anExistingTokenIsReusedAndItsFileTightened() throws Exception {
        Path file = dir.resolve(ApiTokenFile.NAME);
        Files.writeString(file, "operator-chosen-token\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        assertEquals("operator-chosen-token", ApiTokenFile.readOrCreate(file));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("operator-chosen-token", ApiTokenFile.readOrCreate(file));
    }
}
