package io.fedarch.core.model;

import ai.djl.ndarray.NDManager;

/**
 * The one way fedarch code opens DJL: it first forces DJL offline and opts out of its telemetry,
 * which otherwise probes a cloud metadata address on engine start-up. The launcher and the Helm
 * chart also set DJL_OFFLINE / OPT_OUT_TRACKING in the environment; this covers a service started
 * any other way. DJL reads both names from the environment or from system properties.
 */
public final class Engines {
    static {
        setIfAbsent("ai.djl.offline", "true");
        setIfAbsent("DJL_OFFLINE", "true");
        setIfAbsent("OPT_OUT_TRACKING", "true");
    }

    private Engines() {
    }

    /** A root manager on the default device of the default engine (a GPU when the CUDA build is present). */
    public static NDManager newManager() {
        return NDManager.newBaseManager();
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
