package org.bitsearch.orchestrator.cli;

import org.bitsearch.actors.spec.SpecCompiler;
import org.bitsearch.orchestrator.http.SearchReader;
import org.bitsearch.orchestrator.http.SpecTrainerLookup;
import org.bitsearch.orchestrator.view.SearchView;
import org.bitsearch.orchestrator.view.ViewJson;
import org.bitsearch.orchestrator.wiring.StandardTrainers;
import org.bitsearch.storage.H2SearchStore;
import org.bitsearch.storage.StoreException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code bitsearch list}: every search in the database, newest first, as the API's {@link SearchView} records (the
 * same reader serves {@code GET /api/searches}; trial counts come from one GROUP BY query).
 */
@Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the searches in the database, newest first.")
public final class ListCommand implements Callable<Integer> {
    @Mixin StoreOptions store;

    @Option(names = "--json", description = "print a JSON array of {id, name, state, message, counts, bestValAccuracy, created, updated}")
    boolean json;

    @Override
    public Integer call() throws Exception {
        try (H2SearchStore s = store.openExisting()) {
            List<SearchView> searches = new SearchReader(s, new SpecTrainerLookup(new SpecCompiler(StandardTrainers.factory()))).searches();
            if (json) {
                System.out.println(ViewJson.cli(searches));
            } else {
                System.out.printf(Locale.ROOT, "%4s  %-24s  %-9s  %6s  %-20s  %s%n", "id", "name", "state", "trials", "updated", "message");
                for (SearchView v : searches)
                    System.out.printf(Locale.ROOT, "%4d  %-24s  %-9s  %6d  %-20s  %s%n", v.id(), v.name(), v.state(), v.counts().total(),
                            String.valueOf(v.updated()).replaceFirst("\\.\\d+Z$", "Z"), v.message());
            }
            return Cli.OK;
        } catch (StoreOptions.BadInput e) {
            System.err.println("bitsearch: " + e.getMessage());
            return Cli.BAD_INPUT;
        } catch (StoreException e) {
            System.err.println("bitsearch: " + e.getMessage());
            return Cli.FAILURE;
        }
    }
}
