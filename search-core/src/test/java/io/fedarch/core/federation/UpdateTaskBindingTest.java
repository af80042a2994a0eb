package io.fedarch.core.federation;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fedarch.core.tensor.TensorCodec;
import io.fedarch.events.ClientUpdate;
import io.fedarch.events.DType;

/**
 * Review H4: an update must answer a task the job issued to its client. Before, any update naming
 * a selected client and the open round was counted, whatever task id it carried, so one sender
 * could answer for every selected client before the honest ones.
 */
class UpdateTaskBindingTest {

    @Test
    void anUpdateNamingAnotherClientsTaskIsRefused() {
        EngineFixtures.MutableClock clock = new EngineFixtures.MutableClock(EngineFixtures.T0);
        FederationEngine engine = EngineFixtures.engine(clock);
        FederationEngine.Started started = engine.submit("bound", EngineFixtures.spec(Map.of()), null);
        Decision.SendTasks send = EngineFixtures.one(started.decisions(), Decision.SendTasks.class);
        // Client 0's answer carrying client 1's task id, and one with a made-up id.
        String othersTask = EngineFixtures.order(send, 1).eventId();
        ClientUpdate borrowed = EngineFixtures.update("bound", othersTask, send.round(), 0, send.attempt(),
                send.modelVersion(), TensorCodec.toAvro(started.job().global(), DType.FP32), 10);
        String refusal = EngineFixtures.assertRejected(engine.handle(started.job(), EngineFixtures.input(borrowed)));
        assertTrue(refusal.contains("never issued to it in round 1"), refusal);
        ClientUpdate madeUp = EngineFixtures.update("bound", "guessed", send.round(), 0, send.attempt(),
                send.modelVersion(), TensorCodec.toAvro(started.job().global(), DType.FP32), 10);
        EngineFixtures.assertRejected(engine.handle(started.job(), EngineFixtures.input(madeUp)));
        // Its own task's answer counts.
        EngineFixtures.assertAccepted(engine.handle(started.job(), EngineFixtures.input(EngineFixtures.answer("bound",
                send, 0, started.job().global(), 10))));
    }
}
