package org.bitsearch.storage;

/** What {@link SearchStore#deleteSearch} did. */
public enum DeleteResult {
    /** The search and everything recorded for it are gone. */
    DELETED,
    /** The search is RUNNING (or interrupted and due to resume): nothing was deleted. */
    RUNNING,
    /** No search has that id. */
    UNKNOWN
}
