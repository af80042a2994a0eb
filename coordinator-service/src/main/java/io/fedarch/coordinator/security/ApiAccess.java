package io.fedarch.coordinator.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.GeneralSecurityException;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

/**
 * Who may call the coordinator's REST API: whoever presents the one configured bearer token. Without a
 * token the API is closed, not open; only {@code fedarch.api.auth=none} opens it. The REST API publishes
 * jobs under the coordinator's own Kafka identity, so an open API would go around the Kafka ACLs.
 */
public final class ApiAccess {
    static final String SCHEME = "Bearer";

    /** Why a request is refused: the HTTP status and a message for the caller. */
    public record Refusal(int status, String error) {
    }

    private final boolean open;
    /** SHA-256 of the token, null when none is configured. */
    private final byte[] tokenDigest;

    private ApiAccess(boolean open, byte[] tokenDigest) {
        this.open = open;
        this.tokenDigest = tokenDigest;
    }

    /**
     * @param mode  {@code token} (a bearer token is required) or {@code none} (no authentication)
     * @param token the token; empty or blank counts as not set
     */
    public static ApiAccess of(String mode, Optional<String> token) {
        String normalized = mode == null ? "" : mode.trim().toLowerCase(Locale.ROOT);
        return switch (normalized) {
            case "none" -> new ApiAccess(true, null);
            case "token" -> new ApiAccess(false, token.filter(t -> !t.isBlank()).map(ApiAccess::sha256).orElse(null));
            default -> throw new IllegalArgumentException("fedarch.api.auth must be 'token' or 'none', got '" + mode + "'");
        };
    }

    /** Whether anyone may call the API (fedarch.api.auth=none). */
    public boolean open() {
        return open;
    }

    /** Whether a token is configured (when not open). */
    public boolean configured() {
        return tokenDigest != null;
    }

    /**
     * @param authorization the request's Authorization header, null if absent
     * @return empty when the request may proceed, else why not
     */
    public Optional<Refusal> check(String authorization) {
        if (open) {
            return Optional.empty();
        }
        if (tokenDigest == null) {
            return Optional.of(new Refusal(503, "fedarch.api.token is not set: the coordinator's REST API refuses every"
                    + " request until an operator sets it (environment FEDARCH_API_TOKEN)"));
        }
        String presented = bearerToken(authorization);
        if (presented == null) {
            return Optional.of(new Refusal(401, "send the API token as 'Authorization: Bearer <token>'"));
        }
        // Digests of equal length, compared in constant time: the comparison reveals neither the token's
        // length nor how many of its leading characters a guess got right.
        if (!MessageDigest.isEqual(tokenDigest, sha256(presented))) {
            return Optional.of(new Refusal(401, "the API token is not valid"));
        }
        return Optional.empty();
    }

    /**
     * The console's session cookie value for a presented token, empty when the token is not the API's. The value is an
     * HMAC keyed with the token's digest, so the cookie never carries the token, and it stops working when the token
     * changes. Only meaningful when a token is configured.
     */
    public Optional<String> consoleSession(String presentedToken) {
        if (tokenDigest == null || presentedToken == null
                || !MessageDigest.isEqual(tokenDigest, sha256(presentedToken))) {
            return Optional.empty();
        }
        return Optional.of(sessionValue());
    }

    /**
     * Like {@link #check(String)}, but a request without an Authorization header may instead present the console's
     * session cookie (a browser's EventSource cannot send a header).
     *
     * @param sessionCookie the value of the console's cookie, null if absent
     */
    public Optional<Refusal> check(String authorization, String sessionCookie) {
        if (open || tokenDigest == null || authorization != null || sessionCookie == null) {
            return check(authorization);
        }
        if (!MessageDigest.isEqual(sessionValue().getBytes(StandardCharsets.US_ASCII),
                sessionCookie.getBytes(StandardCharsets.US_ASCII))) {
            return Optional.of(new Refusal(401, "the console session is not valid: sign in again with the API token"));
        }
        return Optional.empty();
    }

    private String sessionValue() {
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(tokenDigest, "HmacSHA256"));
            byte[] tag = mac.doFinal("fedarch-console-session".getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(tag);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java runtime has HmacSHA256", e);
        }
    }

    private static String bearerToken(String authorization) {
        if (authorization == null || authorization.length() <= SCHEME.length() + 1
                || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())
                || authorization.charAt(SCHEME.length()) != ' ') {
            return null;
        }
        return authorization.substring(SCHEME.length() + 1);
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
