package io.fedarch.core.federation;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.fedarch.core.strategy.ServerState;
import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.events.ClientMetrics;
import io.fedarch.events.ClientUpdate;
import io.fedarch.events.ModelState;
import io.fedarch.events.RoundMetrics;
import io.fedarch.events.SearchStatus;

/**
 * What the engine decided a service must do, in order. The coordinator maps each to an Avro event
 * (or a meter); the in-process transport acts on them directly. Ids are derived ({@link EventIds}).
 */
public sealed interface Decision {

    /** One client's task: its own id and instruction (config, and its payload as it travels, or null). */
    record TaskOrder(int clientId, String eventId, Map<String, String> config, ModelState payload) {
        public TaskOrder {
            config = Map.copyOf(config);
        }
    }

    /**
     * Send tasks for {@code round}: every task carries the model as it travels ({@code model}, in the
     * job's wire precision, encoded once) and its client's instruction, and the engine gives up on it after
     * {@code deadline}. In FedBuff mode {@code modelVersion} is the task's base version.
     */
    record SendTasks(int round, int attempt, int modelVersion, Instant deadline, ModelState model,
                     List<TaskOrder> tasks) implements Decision {
        public SendTasks {
            tasks = List.copyOf(tasks);
        }
    }

    /**
     * A round (or FedBuff server version) closed: the new global model, the round's figures and the
     * strategy's server state after the round's aggregation (what a between-rounds step starts from).
     */
    record PublishGlobal(int round, int modelVersion, List<Integer> participants, ModelParameters model,
                         RoundMetrics metrics, ServerState state) implements Decision {
        public PublishGlobal {
            participants = List.copyOf(participants);
        }
    }

    /** A client's personalized model (never averaged): its update as received, with its local test figures. */
    record PublishPersonalized(int round, ClientUpdate update, double localTestAccuracy, double localTestLoss,
                               int localTestSamples) implements Decision {
    }

    /** The job ended: SUCCEEDED with the final model (the state's global), or FAILED with the reason. */
    record Complete(SearchStatus status, String reason) implements Decision {
    }

    /** An update was counted toward a round or a FedBuff buffer. */
    record UpdateCounted(ClientMetrics metrics) implements Decision {
    }

    /** An update changed nothing (a duplicate, one for a closed round or task, a too-stale one). */
    record UpdateIgnored(String reason) implements Decision {
    }

    /** A round missed its quorum at the deadline and asks replacement clients. */
    record RoundRetried(int round, int attempt) implements Decision {
    }

    /** A FedBuff task passed its deadline and went to another client. */
    record TaskReissued(int fromClient, int toClient) implements Decision {
    }
}
