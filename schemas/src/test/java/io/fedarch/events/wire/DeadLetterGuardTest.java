package io.fedarch.events.wire;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import io.fedarch.events.DeadLetter;
import io.fedarch.events.JobSubmitted;

/** Review findings C1 and M3: what a handler throws on one message never escapes the guard. */
class DeadLetterGuardTest {

    private static ConsumerRecord<String, byte[]> jobRecord() {
        JobSubmitted job = JobSubmitted.newBuilder().setEventId("e1").setJobId("j1").setTimestamp(SampleEvents.NOW)
                .setSpec(SampleEvents.jobSpec()).build();
        return new ConsumerRecord<>("fedarch.jobs", 0, 7, "j1", EventCodec.encode(job));
    }

    /** An allocation sized by the input (here thrown by the handler) becomes a dead letter, not a stopped channel. */
    @Test
    void anOutOfMemoryErrorFromOneMessageBecomesItsDeadLetter() {
        List<DeadLetter> letters = new ArrayList<>();
        DeadLetterGuard guard = new DeadLetterGuard("coordinator", letters::add);
        boolean handled = guard.handle(jobRecord(), JobSubmitted.class, job -> {
            throw new OutOfMemoryError("Requested array size exceeds VM limit");
        });
        assertFalse(handled);
        assertEquals(1, letters.size());
        assertEquals("OutOfMemoryError", letters.get(0).getErrorType());
        assertEquals("Requested array size exceeds VM limit", letters.get(0).getReason());
        assertEquals("j1", letters.get(0).getJobId());
        assertEquals(7, letters.get(0).getSourceOffset());
        // The next message is handled normally.
        assertTrue(guard.handle(jobRecord(), JobSubmitted.class, job -> { }));
    }

    @Test
    void aDeepRecursionFromOneMessageBecomesItsDeadLetter() {
        List<DeadLetter> letters = new ArrayList<>();
        new DeadLetterGuard("coordinator", letters::add).handle(jobRecord(), JobSubmitted.class, job -> {
            throw new StackOverflowError();
        });
        assertEquals("StackOverflowError", letters.get(0).getErrorType());
    }

    /** Reasons quote the input: a megabyte-long id with line breaks is cut and kept on one line. */
    @Test
    void aReasonIsBoundedAndCannotForgeLogLines() {
        List<DeadLetter> letters = new ArrayList<>();
        String hostile = "job\n2026-11-30 INFO forged line\r" + "x".repeat(1 << 20);
        new DeadLetterGuard("coordinator", letters::add).handle(jobRecord(), JobSubmitted.class, job -> {
            throw new IllegalArgumentException("unknown job " + hostile);
        });
        String reason = letters.get(0).getReason();
        assertTrue(reason.length() <= DeadLetters.REASON_LIMIT + 16, "length " + reason.length());
        assertFalse(reason.contains("\n") || reason.contains("\r"), reason.substring(0, 80));
        assertTrue(reason.endsWith("…(cut)"));
    }
}
