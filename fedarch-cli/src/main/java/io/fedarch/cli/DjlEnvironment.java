package io.fedarch.cli;

import java.util.Map;

/**
 * Environment every service process gets. DJL must stay offline: without these it tries to
 * download engines and sends telemetry to an outside address. OMP_WAIT_POLICY=PASSIVE keeps idle
 * OpenMP threads from spinning on cores the other processes need.
 */
final class DjlEnvironment {
    static final Map<String, String> VARIABLES = Map.of(
            "DJL_OFFLINE", "true",
            "OPT_OUT_TRACKING", "true",
            "OMP_WAIT_POLICY", "PASSIVE");

    private DjlEnvironment() {
    }
}
