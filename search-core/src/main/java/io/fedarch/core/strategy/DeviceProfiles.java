package io.fedarch.core.strategy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.fedarch.core.util.Seeds;
import io.fedarch.events.JobSpec;

/**
 * The simulated devices of a job's clients (system heterogeneity, as the paper simulates it): a
 * few tiers, each with a memory budget for training, a compute speed and a link bandwidth, given as
 * comma-separated lists of equal length in the job's hyperParameters, and dealt to the clients by
 * the job's seed (a seeded permutation, then round-robin, so tiers are as equal in size as the
 * client count allows). Without {@value #TIER_MEMORY_MB} every client is one unlimited device.
 * Strategies share them: PerFedRLNAS reads memory, speed and bandwidth; Meta-DNAS reads the
 * inference budget {@value #TIER_MACS_BUDGET} (multiply–accumulates per image) its clients'
 * architectures are held to.
 */
public final class DeviceProfiles {
    public static final String TIER_MEMORY_MB = "tierMemoryMB";
    public static final String TIER_SPEED = "tierMacsPerSecond";
    public static final String TIER_BANDWIDTH = "tierBandwidthBytesPerSecond";
    public static final String TIER_MACS_BUDGET = "tierMacsBudget";
    public static final double DEFAULT_SPEED = 2e9;
    public static final double DEFAULT_BANDWIDTH = 1e6;

    /**
     * One device.
     *
     * @param memoryBytes training memory budget (+inf: unlimited)
     * @param macsBudget  inference cost budget per image (+inf: unlimited)
     */
    public record Device(int tier, double memoryBytes, double macsPerSecond, double bandwidthBytesPerSecond,
                         double macsBudget) {
    }

    private DeviceProfiles() {
    }

    /** The tiers the job defines (one unlimited tier when it defines none). */
    public static List<Device> tiers(JobSpec spec) {
        List<Double> memory = list(spec, TIER_MEMORY_MB);
        List<Double> speed = list(spec, TIER_SPEED);
        List<Double> bandwidth = list(spec, TIER_BANDWIDTH);
        List<Double> macsBudget = list(spec, TIER_MACS_BUDGET);
        int count = Math.max(Math.max(memory.size(), macsBudget.size()), Math.max(speed.size(), bandwidth.size()));
        if (count == 0) {
            return List.of(new Device(0, Double.POSITIVE_INFINITY, DEFAULT_SPEED, DEFAULT_BANDWIDTH,
                    Double.POSITIVE_INFINITY));
        }
        for (var entry : Map.of(TIER_MEMORY_MB, memory, TIER_SPEED, speed, TIER_BANDWIDTH, bandwidth,
                TIER_MACS_BUDGET, macsBudget).entrySet()) {
            if (!entry.getValue().isEmpty() && entry.getValue().size() != count) {
                throw new IllegalArgumentException("device tiers: " + entry.getKey() + " lists "
                        + entry.getValue().size() + " values but another tier list has " + count
                        + "; give every tier list one value per tier (or leave it out)");
            }
        }
        List<Device> tiers = new ArrayList<>();
        for (int t = 0; t < count; t++) {
            tiers.add(new Device(t, memory.isEmpty() ? Double.POSITIVE_INFINITY : memory.get(t) * 1024 * 1024,
                    speed.isEmpty() ? DEFAULT_SPEED : speed.get(t),
                    bandwidth.isEmpty() ? DEFAULT_BANDWIDTH : bandwidth.get(t),
                    macsBudget.isEmpty() ? Double.POSITIVE_INFINITY : macsBudget.get(t)));
        }
        return tiers;
    }

    /** The device of {@code clientId}: tier (position in the seeded permutation) mod tiers. */
    public static Device of(JobSpec spec, int clientId) {
        List<Device> tiers = tiers(spec);
        int[] order = new int[spec.getTotalClients()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Seeds.shuffle(order, new Random(Seeds.derive(spec.getSeed(), 0x7165L)));
        for (int position = 0; position < order.length; position++) {
            if (order[position] == clientId) {
                return tiers.get(position % tiers.size());
            }
        }
        throw new IllegalArgumentException("client " + clientId + " is not one of the job's " + order.length);
    }

    /**
     * A comma-separated list of positive numbers, empty when absent.
     *
     * @throws IllegalArgumentException naming the bad value
     */
    static List<Double> list(JobSpec spec, String key) {
        String raw = spec.getHyperParameters() == null ? null : spec.getHyperParameters().get(key);
        List<Double> values = new ArrayList<>();
        if (raw == null || raw.isBlank()) {
            return values;
        }
        for (String part : raw.split(",")) {
            double value;
            try {
                value = Double.parseDouble(part.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("hyperParameter " + key + "='" + raw + "': '" + part.trim()
                        + "' is not a number");
            }
            if (!(value > 0) || Double.isInfinite(value)) {
                throw new IllegalArgumentException("hyperParameter " + key + "='" + raw + "': every value must be a "
                        + "positive finite number (got " + part.trim() + ")");
            }
            values.add(value);
        }
        return values;
    }
}
