package org.bitsearch.actors.supervisor;

import org.bitsearch.actors.api.SearchEvent;
import org.bitsearch.actors.events.EventStreamSearchEvents;
import org.bitsearch.search.engine.SearchEngine;
import org.bitsearch.search.pareto.FrontPoint;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trial.TrialState;
import org.bitsearch.search.trial.Verdict;
import org.bitsearch.storage.ParetoRow;
import org.bitsearch.storage.SearchState;
import org.bitsearch.storage.SearchStore;

import java.util.List;
import java.util.Optional;

/**
 * The one rule of a supervisor's writes, stated once: <b>write to the store, then publish the event</b>. Every change
 * a listener may see is in the database first, so the page and the command line never show what a crash would undo;
 * a write that throws ({@code StoreException}) publishes nothing. Called on the supervisor's thread (the writes are
 * short, local H2 calls; see {@link SearchSupervisor}).
 */
final class SearchJournal {
    private final SearchStore store;
    private final EventStreamSearchEvents events;
    private final long id;

    SearchJournal(SearchStore store, EventStreamSearchEvents events, long id) {
        this.store = store;
        this.events = events;
        this.id = id;
    }

    SearchStore store() { return store; }

    /** Runs {@code write}, then publishes {@code event}: the rule every method below follows. */
    void writeThenPublish(Runnable write, SearchEvent event) {
        write.run();
        events.publish(event);
    }

    /** Publishes an event whose fact is already in the database (a started search, a started trial). */
    void publish(SearchEvent event) {
        events.publish(event);
    }

    /**
     * Writes the search's end state. A search left STOPPED or RUNNING (a stop, the wall limit, a shutdown) runs no
     * trial: any of its trials still RUNNING in the store is made INTERRUPTED first.
     */
    void searchEnded(SearchState state, String message) {
        writeThenPublish(() -> {
            if (state == SearchState.STOPPED || state == SearchState.RUNNING) store.interruptRunningTrials(id);
            store.setSearchState(id, state, message);
        }, new SearchEvent.SearchFinished(id, state, message));
    }

    /**
     * Records that a stop, the wall limit or a shutdown cancelled trial {@code number}'s attempt: RUNNING →
     * INTERRUPTED, then the event. A trial that never started (PENDING) or already finished is left as it is, and
     * nothing is published.
     */
    void trialInterrupted(int number, String reason) {
        if (store.markInterrupted(id, number)) events.publish(new SearchEvent.TrialInterrupted(id, number, reason));
    }

    /**
     * Records a report and its verdict (with learned bits, {@code sizeBits} is the size of the trial's learned
     * allocation, stored with it), then {@code andThen} (the epoch's checkpoint), then publishes the report. */
    void reported(int number, EpochMetrics metrics, Verdict verdict, long sizeBits, Runnable andThen) {
        writeThenPublish(() -> {
            store.recordReport(id, number, metrics, verdict, metrics.hasLearnedBits() ? sizeBits : 0);
            andThen.run();
        }, new SearchEvent.EpochReported(id, number, metrics, verdict));
    }

    void trialFinished(int number, TrialState state, String reason) {
        writeThenPublish(() -> store.finishTrial(id, number, state, reason), new SearchEvent.TrialFinished(id, number, state, reason));
    }

    void retrying(int number, int attempt, String error) {
        writeThenPublish(() -> store.recordRetry(id, number, error), new SearchEvent.TrialRetrying(id, number, attempt, error));
    }

    /** Persists the engine's front and hypervolume; returns the front now persisted. */
    List<FrontPoint> frontChanged(SearchEngine engine) {
        List<FrontPoint> front = engine.front();
        double hv = engine.hypervolume();
        List<ParetoRow> rows = front.stream().map(p -> new ParetoRow(id, p.number(), p.accuracy(), p.sizeBits(), Optional.empty())).toList();
        writeThenPublish(() -> store.replaceFront(id, rows, hv), new SearchEvent.FrontChanged(id, front, hv));
        return front;
    }
}
