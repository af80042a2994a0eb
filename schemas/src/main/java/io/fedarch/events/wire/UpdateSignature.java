package io.fedarch.events.wire;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.fedarch.events.ClientUpdate;

/**
 * Binds a client update to the task it answers and to whoever holds the key of its client: an
 * HMAC-SHA256 over the job, the task's event id, round, client, attempt, base version, sample count
 * and a digest of the model. A worker (or a silo) without that key cannot answer for the client,
 * and nobody can change the model or the weight of a signed update (review H4). Documented in
 * ClientUpdate.avsc so an outside client can sign with the schema alone.
 */
public final class UpdateSignature {
    private static final String ALGORITHM = "HmacSHA256";

    private UpdateSignature() {
    }

    /** The update's signature under {@code key}, as hex. */
    public static String sign(byte[] key, ClientUpdate update) {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(new SecretKeySpec(key, ALGORITHM));
            return HexFormat.of().formatHex(mac.doFinal(signedText(update).getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }

    /** Whether the update carries {@code key}'s signature (compared in constant time). */
    public static boolean verify(byte[] key, ClientUpdate update) {
        if (update.getSignature() == null) {
            return false;
        }
        byte[] expected = sign(key, update).getBytes(StandardCharsets.US_ASCII);
        byte[] given = update.getSignature().toString().getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, given);
    }

    /** A key given as hex (at least 16 bytes: shorter keys are guessable). */
    public static byte[] key(String hex) {
        byte[] key = HexFormat.of().parseHex(hex.trim());
        if (key.length < 16) {
            throw new IllegalArgumentException("an update key needs at least 16 bytes (32 hex digits), got "
                    + key.length);
        }
        return key;
    }

    private static String signedText(ClientUpdate update) {
        return String.join("\n", update.getJobId(), update.getTaskEventId(), Integer.toString(update.getRound()),
                Integer.toString(update.getClientId()), Integer.toString(update.getAttempt()),
                Integer.toString(update.getBaseModelVersion()), Long.toString(update.getSampleCount()),
                modelDigest(update));
    }

    private static String modelDigest(ClientUpdate update) {
        try {
            ByteBuffer encoded = update.getModelState().toByteBuffer();
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(encoded);
            return HexFormat.of().formatHex(sha.digest());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
