package io.fedarch.core.strategy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;
import io.fedarch.core.util.Seeds;
import io.fedarch.events.JobSpec;
import io.fedarch.events.SimulatedAttack;

/**
 * The job's simulated hostile clients (robustness experiments): which clients they are, drawn from
 * the job seed so every worker agrees, and what they send instead of their honest update. The
 * manipulation acts on the delta (local − global): SIGN_FLIP sends global − delta, SCALE sends
 * global + scale · delta.
 */
public final class SimulatedAttacks {
    private static final long HOSTILE_SALT = 0xBAD5EEDL;

    private SimulatedAttacks() {
    }

    /** @throws IllegalArgumentException when the job's attack settings make no sense */
    public static void validate(JobSpec spec) {
        SimulatedAttack attack = spec.getSimulatedAttack();
        if (attack == null) {
            return;
        }
        if (!(attack.getFraction() >= 0 && attack.getFraction() <= 1)) {
            throw new IllegalArgumentException("simulatedAttack.fraction is " + attack.getFraction()
                    + "; it must be in [0, 1] (the share of all clients that are hostile)");
        }
        if (!Double.isFinite(attack.getScale())) {
            throw new IllegalArgumentException("simulatedAttack.scale is " + attack.getScale() + "; it must be finite");
        }
    }

    /** The hostile client ids, sorted: round(fraction × totalClients) of them. */
    public static List<Integer> hostileClients(JobSpec spec) {
        SimulatedAttack attack = spec.getSimulatedAttack();
        if (attack == null) {
            return List.of();
        }
        List<Integer> all = new ArrayList<>();
        for (int c = 0; c < spec.getTotalClients(); c++) {
            all.add(c);
        }
        Collections.shuffle(all, new Random(Seeds.derive(spec.getSeed(), HOSTILE_SALT)));
        List<Integer> hostile = new ArrayList<>(all.subList(0, (int) Math.round(attack.getFraction() * all.size())));
        Collections.sort(hostile);
        return hostile;
    }

    public static boolean isHostile(JobSpec spec, int clientId) {
        return spec.getSimulatedAttack() != null && hostileClients(spec).contains(clientId);
    }

    /** What a hostile client sends in place of {@code local}, trained from {@code global}. */
    public static ModelParameters manipulate(JobSpec spec, ModelParameters global, ModelParameters local) {
        SimulatedAttack attack = spec.getSimulatedAttack();
        double factor = switch (attack.getKind()) {
            case SIGN_FLIP -> -1.0;
            case SCALE -> attack.getScale();
        };
        List<NamedTensor> out = new ArrayList<>();
        for (NamedTensor base : global.tensors()) {
            float[] g = base.values();
            float[] l = local.get(base.name()).values();
            float[] sent = new float[g.length];
            for (int i = 0; i < g.length; i++) {
                sent[i] = (float) (g[i] + factor * ((double) l[i] - g[i]));
            }
            out.add(new NamedTensor(base.name(), base.shape().clone(), sent));
        }
        return new ModelParameters(out);
    }
}
