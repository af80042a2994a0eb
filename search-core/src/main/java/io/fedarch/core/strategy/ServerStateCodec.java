package io.fedarch.core.strategy;

import java.util.HashMap;
import java.util.TreeMap;

import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.events.DType;
import io.fedarch.events.StrategyState;

/** A {@link ServerState} as it travels and is checkpointed (Avro StrategyState, tensors at FP32: state must be exact). */
public final class ServerStateCodec {
    private ServerStateCodec() {
    }

    /** Null for an empty state, so jobs of stateless strategies carry nothing. */
    public static StrategyState toAvro(ServerState state) {
        if (state == null || state.isEmpty()) {
            return null;
        }
        return StrategyState.newBuilder()
                .setTensors(TensorCodec.toAvro(state.tensors(), DType.FP32))
                .setValues(new TreeMap<>(state.values()))
                .build();
    }

    /** The empty state for null. */
    public static ServerState fromAvro(StrategyState state) {
        if (state == null) {
            return ServerState.EMPTY;
        }
        java.util.Map<String, String> values = new HashMap<>();
        state.getValues().forEach((k, v) -> values.put(k.toString(), v.toString()));
        return new ServerState(TensorCodec.fromAvro(state.getTensors()), values);
    }
}
