package io.fedarch.core.algorithms.perfedrlnas;

import io.fedarch.core.strategy.DeviceProfiles;
import java.util.List;
import java.util.Map;

import io.fedarch.core.darts.DartsOptions;
import io.fedarch.core.darts.SinglePath;
import io.fedarch.core.strategy.ClientResult;
import io.fedarch.core.strategy.HyperParameters;
import io.fedarch.events.JobSpec;

/**
 * PerFedRLNAS's rewards for one round (plato {@code PD/Darts/architect.py:79-108}) and the policy
 * steps they drive. For every reporting client i:
 * <pre>r_i = acc_i − mean_j B_j − λ_time·(T_i − min_k T_k) − λ_memory·max(0, M_i/budget_i − 1) − λ_conflict·neg_i</pre>
 * where B is each client's best accuracy so far (clients reporting for the first time are entered
 * with this round's accuracy before any reward, as the reference seeds it), T_i the round time
 * (compute time, simulated or measured, plus the path's bytes down and up over the device's
 * bandwidth), M_i the path's estimated peak training memory and neg_i its gradient-conflict ratio.
 * Afterwards B_i becomes max(B_i, acc_i).
 */
final class RoundRewards {

    /** What the reward needs from one client's result. */
    record Report(int clientId, SinglePath path, double accuracy, double seconds, double memoryExcess,
                  boolean trained, double subnetBytes) {

        /**
         * @throws IllegalArgumentException when the result lacks the path or the reward's inputs
         */
        static Report of(JobSpec spec, DartsOptions options, ClientResult result) {
            Map<String, Double> custom = result.metrics() == null ? null : result.metrics().getCustom();
            if (custom == null) {
                throw new IllegalArgumentException("client " + result.clientId() + " reported no metrics; "
                        + PerFedRlNas.NAME + " needs the path it trained and its reward accuracy");
            }
            SinglePath path = SinglePath.fromMetrics(options.operationNames(), custom);
            double accuracy = required(result, custom, PerFedRlNasClient.REWARD_ACCURACY);
            boolean trained = required(result, custom, PerFedRlNasClient.TRAINED) > 0;
            double bytes = required(result, custom, PerFedRlNasClient.SUBNET_BYTES);
            DeviceProfiles.Device device = DeviceProfiles.of(spec, result.clientId());
            double compute = PerFedRlNas.measuredTime(spec) ? result.metrics().getComputeMs() / 1000.0
                    : required(result, custom, PerFedRlNasClient.SIMULATED_COMPUTE_SECONDS);
            double seconds = compute + 2 * bytes / device.bandwidthBytesPerSecond();
            double memory = required(result, custom, PerFedRlNasClient.PEAK_MEMORY_BYTES);
            double excess = Double.isInfinite(device.memoryBytes()) ? 0
                    : Math.max(0, memory / device.memoryBytes() - 1);
            return new Report(result.clientId(), path, accuracy, seconds, excess, trained, bytes);
        }

        private static double required(ClientResult result, Map<String, Double> custom, String key) {
            Double value = custom.get(key);
            if (value == null || !Double.isFinite(value)) {
                throw new IllegalArgumentException("client " + result.clientId() + " did not report " + key);
            }
            return value;
        }
    }

    private RoundRewards() {
    }

    /**
     * Computes every report's reward and steps its client's policy.
     *
     * @param conflicts per report its gradient-conflict ratio (0 when it was not fused)
     * @return the rewards, in report order
     */
    static double[] apply(JobSpec spec, PolicyTable policies, List<Report> reports, double[] conflicts) {
        double lambdaTime = HyperParameters.number(spec, PerFedRlNas.LAMBDA_TIME, PerFedRlNas.DEFAULT_LAMBDA_TIME);
        double lambdaMemory = HyperParameters.number(spec, PerFedRlNas.LAMBDA_MEMORY, PerFedRlNas.DEFAULT_LAMBDA_MEMORY);
        double lambdaConflict = HyperParameters.number(spec, PerFedRlNas.LAMBDA_CONFLICT, 0);
        double learningRate = HyperParameters.number(spec, PerFedRlNas.ARCHITECT_LEARNING_RATE,
                PerFedRlNas.DEFAULT_ARCHITECT_LEARNING_RATE);
        for (Report report : reports) {
            if (Double.isNaN(policies.best(report.clientId()))) {
                policies.recordAccuracy(report.clientId(), report.accuracy());
            }
        }
        double baseline = policies.baseline();
        double fastest = reports.stream().mapToDouble(Report::seconds).min().orElse(0);
        double[] rewards = new double[reports.size()];
        for (int i = 0; i < reports.size(); i++) {
            Report report = reports.get(i);
            rewards[i] = report.accuracy() - baseline - lambdaTime * (report.seconds() - fastest)
                    - lambdaMemory * report.memoryExcess() - lambdaConflict * conflicts[i];
            policies.reinforce(report.clientId(), report.path(), rewards[i], learningRate);
        }
        for (Report report : reports) {
            policies.recordAccuracy(report.clientId(), report.accuracy());
        }
        return rewards;
    }
}
