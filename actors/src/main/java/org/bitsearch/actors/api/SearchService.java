package org.bitsearch.actors.api;

import org.bitsearch.actors.spec.SpecException;

import java.util.concurrent.CompletionStage;

/**
 * What the command line and the HTTP API may do to searches. Implemented over the SearchRegistry actor
 * (asks with a timeout); reads go straight to the {@link org.bitsearch.storage.SearchStore}.
 */
public interface SearchService {
    /**
     * Validates {@code specText} (YAML or JSON, detected from the text) in full, writes the search and starts its
     * supervisor. Completes with the new search id, or exceptionally with {@link SpecException} listing every
     * problem (then nothing was written).
     */
    CompletionStage<Long> submit(String specText);

    /** Stops a running search: running epochs are cancelled and discarded at once, the search is left STOPPED and
     * resumable (each trial from its last checkpoint). */
    CompletionStage<StopResult> stop(long searchId);

    /** Resumes a STOPPED or interrupted search. */
    CompletionStage<ResumeResult> resume(long searchId);

    /** Validation only: throws listing every problem, writes nothing. */
    void validate(String specText) throws SpecException;

    SearchEvents events();

    enum StopResult { STOPPING, NOT_RUNNING, UNKNOWN }

    enum ResumeResult { RESUMED, ALREADY_RUNNING, FINISHED, UNKNOWN }
}
