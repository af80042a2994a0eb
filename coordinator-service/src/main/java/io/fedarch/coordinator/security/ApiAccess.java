package io.fedarch.coordinator.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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
