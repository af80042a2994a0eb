package io.fedarch.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;

/**
 * The local stack's REST API token: 256 random bits in a file only its owner may read (mode 600),
 * created on the first start in a run directory and reused by later starts there, so a client that
 * read it once keeps working across restarts of the stack.
 */
public final class ApiTokenFile {
    /** The file's name in the run directory. */
    public static final String NAME = "api-token";
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private ApiTokenFile() {
    }

    /** The token in {@code file}, after creating the file with a fresh random token if there is none. */
    public static String readOrCreate(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            try {
                // Created with the owner-only mode, so there is no moment in which others could read it.
                Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
                byte[] random = new byte[32];
                new SecureRandom().nextBytes(random);
                String token = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
                Files.writeString(file, token + "\n", StandardCharsets.US_ASCII);
                return token;
            } catch (FileAlreadyExistsException reused) {
                // An existing file may have been copied or created with a looser mode: tighten it.
                Files.setPosixFilePermissions(file, OWNER_ONLY);
                String token = Files.readString(file, StandardCharsets.US_ASCII).strip();
                if (token.isEmpty()) {
                    throw new IllegalStateException(file + " is empty; delete it and a new token is generated");
                }
                return token;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create or read the API token file " + file, e);
        }
    }
}
