package org.bitsearch.orchestrator.cli;

import org.bitsearch.orchestrator.view.ViewJson;
import org.bitsearch.orchestrator.wiring.StandardTrainers;
import org.bitsearch.storage.H2SearchStore;
import org.bitsearch.storage.SearchRow;
import org.bitsearch.storage.StoreException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code bitsearch show ID}: one search with its trials (state, reason, epochs) and Pareto front. */
@Command(name = "show", mixinStandardHelpOptions = true, description = "Shows one search: its trials and its Pareto front.")
public final class ShowCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "ID", description = "the search id")
    long id;

    @Mixin StoreOptions store;

    @Option(names = "--json", description = "print one JSON object {id, name, state, message, seed, created, updated, counts, trials, front}")
    boolean json;

    @Override
    public Integer call() throws Exception {
        try (H2SearchStore s = store.openExisting()) {
            Optional<SearchRow> row = s.search(id);
            if (row.isEmpty()) {
                System.err.println("bitsearch: there is no search " + id + " in " + store.dataDir());
                return Cli.BAD_INPUT;
            }
            SearchReport report = new SearchReport(s, row.get(), StandardTrainers.factory());
            if (json) {
                System.out.println(ViewJson.cli(report.show()));
            } else {
                SearchRow r = row.get();
                System.out.printf(Locale.ROOT, "search %d '%s': %s%s%n", r.id(), r.name(), r.state(), r.message().isEmpty() ? "" : " (" + r.message() + ")");
                System.out.printf(Locale.ROOT, "seed %d, created %s, updated %s%n%n", r.seed(), r.created(), r.updated());
                report.printTrialTable(System.out);
                System.out.println();
                report.printFrontTable(System.out);
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
