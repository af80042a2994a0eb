package io.fedarch.cli;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.fedarch.events.ClientUpdate;
import io.fedarch.events.JobSpec;
import io.fedarch.events.wire.TopicTap;
import io.fedarch.events.wire.Topics;

/** Runs a job on a local stack to its last model-ready event, undisturbed or with the coordinator killed mid-job. */
final class JobRuns {
    private JobRuns() {
    }

    /**
     * @param killInRound 0 for an undisturbed run; else the coordinator is killed with SIGKILL (and restarted)
     *                    once the first update of this round is out
     */
    static JobOutcome run(LocalStack stack, JobSpec spec, Duration timeout, int killInRound) throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try (TopicTap tap = new TopicTap(stack.bootstrapServers());
             var updates = tap.follow(Topics.CLIENT_UPDATES, ClientUpdate.class)) {
            Future<JobOutcome> running = executor.submit(() -> new JobRunner(stack.bootstrapServers())
                    .run(spec, timeout, new ConsoleProgress(System.out)));
            if (killInRound > 0) {
                updates.await(1, u -> u.getRound() == killInRound, Duration.ofSeconds(300));
                stack.killAndRestartCoordinator(Duration.ofSeconds(2));
            }
            return running.get();
        } finally {
            executor.shutdownNow();
        }
    }
}
