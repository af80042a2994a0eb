package io.fedarch.coordinator.service;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.fedarch.core.federation.InputRejectedException;
import io.fedarch.events.ClientMetrics;
import io.fedarch.events.ClientUpdate;
import io.fedarch.events.DType;
import io.fedarch.events.ModelState;
import io.fedarch.events.Tensor;
import io.fedarch.events.wire.UpdateSignature;

/**
 * Review H4: one worker credential could answer for every client and set any weight. Each silo
 * now signs with its own key, and a signature covers the task, the weight and the model.
 */
class UpdateAuthenticationTest {
    private static final String SILO_0 = "00112233445566778899aabbccddeeff";
    private static final String SILO_1 = "ffeeddccbbaa99887766554433221100";
    private static final String WORKERS = "0123456789abcdef0123456789abcdef";

    private static UpdateAuthentication authentication() {
        UpdateAuthentication auth = new UpdateAuthentication();
        auth.sharedKey = Optional.of(WORKERS);
        auth.clientKeys = Optional.of("0=" + SILO_0 + ", 1=" + SILO_1);
        auth.load();
        return auth;
    }

    private static ClientUpdate update(int client, long samples) {
        ModelState model = ModelState.newBuilder().setTensors(List.of(Tensor.newBuilder().setName("w")
                .setShape(List.of(2)).setDtype(DType.FP32).setData(ByteBuffer.wrap(new byte[8])).build())).build();
        return ClientUpdate.newBuilder().setEventId("u" + client).setJobId("j").setTimestamp(Instant.EPOCH)
                .setTaskEventId("j/task/1/1/" + client).setRound(1).setClientId(client).setAttempt(1)
                .setBaseModelVersion(0).setWorkerId("w").setSampleCount(samples).setModelState(model)
                .setMetrics(ClientMetrics.newBuilder().setTrainLoss(1).setTrainAccuracy(0).setValidationLoss(1)
                        .setValidationAccuracy(0).setGlobalValidationAccuracy(0).setValidationSamples(1).setSteps(1)
                        .setComputeMs(1).setUpdateBytes(8).setCustom(Map.of()).build())
                .build();
    }

    @Test
    void aSiloAnswersOnlyForItsOwnClient() {
        UpdateAuthentication auth = authentication();
        ClientUpdate own = update(0, 600);
        own.setSignature(UpdateSignature.sign(UpdateSignature.key(SILO_0), own));
        assertDoesNotThrow(() -> auth.check(own));

        ClientUpdate forOther = update(1, 600);
        forOther.setSignature(UpdateSignature.sign(UpdateSignature.key(SILO_0), forOther));
        String refusal = assertThrows(InputRejectedException.class, () -> auth.check(forOther)).getMessage();
        assertTrue(refusal.contains("not signed with that client's own key"), refusal);

        assertThrows(InputRejectedException.class, () -> auth.check(update(0, 600)), "unsigned");
    }

    @Test
    void aSignedUpdateCannotBeReweighedOrRetrained() {
        UpdateAuthentication auth = authentication();
        ClientUpdate signed = update(0, 600);
        signed.setSignature(UpdateSignature.sign(UpdateSignature.key(SILO_0), signed));
        signed.setSampleCount(1_000_000_000_000L);
        assertThrows(InputRejectedException.class, () -> auth.check(signed), "the weight is signed");

        ClientUpdate retrained = update(0, 600);
        retrained.setSignature(UpdateSignature.sign(UpdateSignature.key(SILO_0), retrained));
        retrained.getModelState().getTensors().get(0).setData(ByteBuffer.wrap(new byte[] {1, 0, 0, 0, 0, 0, 0, 0}));
        assertThrows(InputRejectedException.class, () -> auth.check(retrained), "the model is signed");
    }

    @Test
    void clientsWithoutAKeyOfTheirOwnNeedTheWorkersKey() {
        UpdateAuthentication auth = authentication();
        ClientUpdate simulated = update(5, 600);
        simulated.setSignature(UpdateSignature.sign(UpdateSignature.key(WORKERS), simulated));
        assertDoesNotThrow(() -> auth.check(simulated));
        ClientUpdate forged = update(5, 600);
        forged.setSignature(UpdateSignature.sign(UpdateSignature.key(SILO_1), forged));
        assertThrows(InputRejectedException.class, () -> auth.check(forged));
    }
}
