package org.bitsearch.storage;

/**
 * Life cycle of a search. RUNNING and STOPPED are unfinished: a RUNNING search found at start-up was interrupted
 * (crash, kill) and is resumed; a STOPPED one was stopped by a user and resumes on request.
 */
public enum SearchState {
    RUNNING, STOPPED, COMPLETED, FAILED;

    public boolean isFinished() { return this == COMPLETED || this == FAILED; }
}
