package org.bitsearch.orchestrator.http;

import org.bitsearch.actors.api.SearchService;
import org.bitsearch.actors.service.RegistrySearchService;
import org.bitsearch.actors.trial.CheckpointFiles;
import org.bitsearch.storage.DeleteResult;
import org.bitsearch.storage.SearchStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Deletes a finished search ({@code DELETE /api/searches/{id}}): its rows (one transaction, see
 * {@link SearchStore#deleteSearch}) and then its checkpoint files ({@code <checkpoints>/<id>/}). A search that is
 * RUNNING in the store, or still running in this process (a stop that has not finished yet), is refused.
 * Blocking: call on the blocking executor.
 */
final class SearchDeletion {
    private static final Logger log = LoggerFactory.getLogger(SearchDeletion.class);

    private final SearchStore store;
    private final SearchService service;
    private final Path checkpointRoot;

    /** @param checkpointRoot the data directory's {@code checkpoints} folder */
    SearchDeletion(SearchStore store, SearchService service, Path checkpointRoot) {
        this.store = store;
        this.service = service;
        this.checkpointRoot = checkpointRoot;
    }

    DeleteResult delete(long id) {
        if (store.search(id).isEmpty()) return DeleteResult.UNKNOWN;
        if (runningHere(id)) return DeleteResult.RUNNING;
        DeleteResult result = store.deleteSearch(id);
        if (result == DeleteResult.DELETED) {
            try {
                CheckpointFiles.deleteAll(checkpointRoot.resolve(Long.toString(id)));
            } catch (RuntimeException e) {
                log.warn("search {} deleted, but its checkpoints under {} could not all be removed: {}", id,
                        checkpointRoot.resolve(Long.toString(id)), e.toString());
            }
        }
        return result;
    }

    private boolean runningHere(long id) {
        if (!(service instanceof RegistrySearchService registry)) return false;
        try {
            return registry.running().toCompletableFuture().get(10, TimeUnit.SECONDS).contains(id);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        } catch (Exception e) {
            return true; // cannot tell: refuse rather than delete under a running search
        }
    }
}
