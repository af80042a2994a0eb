package io.fedarch.core.federation;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Ids of the events a job's engine causes, derived from what they are (job, kind, round, attempt,
 * client): a copy re-published after a restart has the original's id, so consumers can recognise it.
 */
public final class EventIds {
    private EventIds() {
    }

    public static String of(String jobId, String kind, int round, int attempt, int client) {
        String name = jobId + "/" + kind + "/" + round + "/" + attempt + "/" + client;
        return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
    }
}
