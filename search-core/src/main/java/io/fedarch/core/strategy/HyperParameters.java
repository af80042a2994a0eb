package io.fedarch.core.strategy;

import java.util.Map;

import io.fedarch.events.JobSpec;

/** Reads a job's free {@code hyperParameters} map: the one parser every strategy and service uses. */
public final class HyperParameters {
    private HyperParameters() {
    }

    /** A choice entry, trimmed and lower-cased, or {@code fallback} when absent or blank (declared knobs are checked before). */
    public static String choice(JobSpec spec, String key, String fallback) {
        Map<String, String> map = spec.getHyperParameters();
        String value = map == null ? null : map.get(key);
        return value == null || value.isBlank() ? fallback : value.trim().toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * A numeric entry, or {@code fallback} when absent or blank.
     *
     * @throws IllegalArgumentException when present but not a number
     */
    public static double number(JobSpec spec, String key, double fallback) {
        Map<String, String> map = spec.getHyperParameters();
        String value = map == null ? null : map.get(key);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("hyperParameter " + key + "='" + value + "' is not a number", e);
        }
    }
}
