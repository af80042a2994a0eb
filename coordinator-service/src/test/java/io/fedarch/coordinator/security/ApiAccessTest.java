package io.fedarch.coordinator.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;

/** The access rule alone: no token configured means closed, not open; only an explicit "none" opens the API. */
class ApiAccessTest {
    private static final String TOKEN = "s3cret-token-0123456789";

    @Test
    void withoutAConfiguredTokenEveryRequestIsRefusedWithTheReason() {
        for (Optional<String> unset : java.util.List.of(Optional.<String>empty(), Optional.of(""), Optional.of("  "))) {
            ApiAccess access = ApiAccess.of("token", unset);
            ApiAccess.Refusal refusal = access.check("Bearer anything").orElseThrow();
            assertEquals(503, refusal.status());
            assertTrue(refusal.error().contains("fedarch.api.token is not set"), refusal.error());
            assertTrue(access.check(null).isPresent());
        }
    }

    @Test
    void onlyTheExactTokenAfterBearerPasses() {
        ApiAccess access = ApiAccess.of("token", Optional.of(TOKEN));
        assertTrue(access.check("Bearer " + TOKEN).isEmpty());
        assertTrue(access.check("bearer " + TOKEN).isEmpty(), "the scheme is case-insensitive (RFC 9110)");
        for (String header : new String[] {null, "", "Bearer", "Bearer ", "Bearer " + TOKEN + " ", "Bearer " + TOKEN + "0",
                "Bearer " + TOKEN.substring(1), "Basic " + TOKEN, TOKEN, "Bearer " + TOKEN.toUpperCase()}) {
            ApiAccess.Refusal refusal = access.check(header).orElseThrow(() -> new AssertionError("accepted " + header));
            assertEquals(401, refusal.status(), header);
        }
    }

    @Test
    void noneOpensTheApiOnlyWhenSaidExplicitly() {
        assertTrue(ApiAccess.of("none", Optional.empty()).check(null).isEmpty());
        assertTrue(ApiAccess.of("none", Optional.of(TOKEN)).check(null).isEmpty());
        assertThrows(IllegalArgumentException.class, () -> ApiAccess.of("off", Optional.of(TOKEN)));
    }
}
