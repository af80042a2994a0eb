package io.fedarch.pruning.export;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import io.fedarch.events.JobSubmitted;
import io.fedarch.events.SearchCompleted;
import io.fedarch.events.spec.DerivedJobs;

/**
 * What a search record (search.json) keeps of the fine-tuning job this service submitted for the
 * search: its id and the SHA-256 of its spec ({@link SpecDigest}); and the note written once its
 * result is delivered (apart from search.json, which is delivered with the model and never changes after). Anyone can submit a job whose parentJobId names another job, or take the predictable
 * fine-tuning id first; only the job recorded here may deliver the parent's model, and only once.
 */
final class FineTuneRecord {
    static final String KEY = "fineTuneJob";

    private FineTuneRecord() {
    }

    /** The entry for a fine-tuning job about to be submitted. */
    static Map<String, Object> submitted(JobSubmitted job) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("jobId", job.getJobId());
        entry.put("specSha256", SpecDigest.sha256(job.getSpec()));
        return entry;
    }

    /** Rejects a completion that merely names {@code parent} as its parent before anything is read for it. */
    static void checkId(SearchCompleted completed, String parent) {
        String expected = DerivedJobs.fineTuneJobId(parent);
        if (!completed.getJobId().equals(expected)) {
            throw notOurs(completed, parent, "its fine-tuning job is " + expected);
        }
    }

    /**
     * Rejects a completion that is not the job recorded in the parent's search record, or comes after delivery.
     *
     * @param delivered the note {@link #delivered} wrote, or null
     */
    static void check(SearchCompleted completed, String parent, Map<String, Object> record, Map<?, ?> delivered) {
        checkId(completed, parent);
        Map<?, ?> entry = entry(record);
        if (entry == null) {
            throw notOurs(completed, parent, "none was submitted for it");
        }
        String submitted = String.valueOf(entry.get("specSha256"));
        String actual = SpecDigest.sha256(completed.getSpec());
        if (!submitted.equals(actual)) {
            throw notOurs(completed, parent, "its spec (sha256 " + actual + ") is not the one submitted (sha256 "
                    + submitted + ")");
        }
        if (delivered != null) {
            throw new ExportRejectedException("job " + completed.getJobId() + " completed " + completed.getStatus()
                    + " again, but job " + parent + " was already delivered from it at " + delivered.get("at")
                    + "; nothing is delivered twice");
        }
    }

    /** The note that the parent's model was delivered from this completion. */
    static Map<String, Object> delivered(SearchCompleted completed) {
        Map<String, Object> delivered = new LinkedHashMap<>();
        delivered.put("jobId", completed.getJobId());
        delivered.put("status", completed.getStatus().toString());
        delivered.put("eventId", completed.getEventId());
        delivered.put("at", Instant.now().toString());
        return delivered;
    }

    private static Map<?, ?> entry(Map<String, Object> record) {
        return record.get(KEY) instanceof Map<?, ?> entry ? entry : null;
    }

    private static ExportRejectedException notOurs(SearchCompleted completed, String parent, String why) {
        return new ExportRejectedException("job " + completed.getJobId()
                + " is not the fine-tuning job fedarch submitted for " + parent + ": " + why);
    }
}
