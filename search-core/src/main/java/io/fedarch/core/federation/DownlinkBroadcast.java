package io.fedarch.core.federation;

import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.core.tensor.compression.WireCompression;
import io.fedarch.events.DownlinkCheckpoint;
import io.fedarch.events.JobSpec;
import io.fedarch.events.ModelState;

/**
 * A job's compressed broadcast (JobSpec.compression.downlink) with the coordinator's error
 * feedback: each model version is coded once, as its model plus what the previous version's
 * broadcast dropped, and every task of that version (retries and, under FedBuff, later tasks)
 * carries the same bytes. Kept in the job's checkpoint, so a restarted coordinator sends a retry
 * exactly what the round's first tasks carried and carries on with the same residual.
 */
final class DownlinkBroadcast {
    private int version = -1;
    private ModelState sent;
    /** What {@link #sent} dropped: added to the next version's broadcast. */
    private ModelParameters residual;

    /** The broadcast of {@code version} (whose model is {@code global}), coded on first use. */
    ModelState of(int version, ModelParameters global, JobSpec spec) {
        if (version != this.version || sent == null) {
            WireCompression.Encoded encoded = WireCompression.broadcast(global, residual, spec.getCompression(),
                    spec.getTensorDType());
            this.sent = encoded.state();
            this.residual = encoded.residual();
            this.version = version;
        }
        return sent;
    }

    /** The residual the next version's broadcast adds (null before the first one). */
    ModelParameters residual() {
        return residual;
    }

    DownlinkCheckpoint checkpoint() {
        if (sent == null) {
            return null;
        }
        return DownlinkCheckpoint.newBuilder().setVersion(version).setSent(sent)
                .setResidual(TensorCodec.toAvro(residual, io.fedarch.events.DType.FP32)).build();
    }

    static DownlinkBroadcast restore(DownlinkCheckpoint saved) {
        DownlinkBroadcast broadcast = new DownlinkBroadcast();
        if (saved != null) {
            broadcast.version = saved.getVersion();
            broadcast.sent = saved.getSent();
            broadcast.residual = TensorCodec.fromAvro(saved.getResidual());
        }
        return broadcast;
    }
}
