package org.bitsearch.orchestrator.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.bitsearch.storage.H2SearchStore;
import org.bitsearch.storage.SearchRow;
import org.bitsearch.storage.StoreException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Map;
import org.bitsearch.storage.TrialCounts;
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code bitsearch list}: every search in the database, newest first. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the searches in the database, newest first.")
public final class ListCommand implements Callable<Integer> {
    @Mixin StoreOptions store;

    @Option(names = "--json", description = "print a JSON array of {id, name, state, message, counts, bestValAccuracy, created, updated}")
    boolean json;

    @Override
    public Integer call() throws Exception {
        try (H2SearchStore s = store.openExisting()) {
            List<SearchRow> rows = s.searches();
            // counts of every search in one GROUP BY query, not every trial of every search
            Map<Long, TrialCounts> counts = s.trialCounts();
            java.util.function.Function<SearchRow, TrialCounts> countsOf = r -> counts.getOrDefault(r.id(), TrialCounts.none(r.id()));
            if (json) {
                ArrayNode a = SearchReport.JSON.createArrayNode();
                for (SearchRow r : rows) {
                    ObjectNode o = a.addObject();
                    o.put("id", r.id());
                    o.put("name", r.name());
                    o.put("state", r.state().name());
                    o.put("message", r.message());
                    TrialCounts c = countsOf.apply(r);
                    o.set("counts", SearchReport.countsJson(c));
                    if (c.bestValAccuracy().isPresent()) o.put("bestValAccuracy", c.bestValAccuracy().get());
                    else o.putNull("bestValAccuracy");
                    o.put("created", String.valueOf(r.created()));
                    o.put("updated", String.valueOf(r.updated()));
                }
                System.out.println(SearchReport.JSON.writeValueAsString(a));
            } else {
                System.out.printf(Locale.ROOT, "%4s  %-24s  %-9s  %6s  %-20s  %s%n", "id", "name", "state", "trials", "updated", "message");
                for (SearchRow r : rows)
                    System.out.printf(Locale.ROOT, "%4d  %-24s  %-9s  %6d  %-20s  %s%n", r.id(), r.name(), r.state(), countsOf.apply(r).total(),
                            String.valueOf(r.updated()).replaceFirst("\\.\\d+Z$", "Z"), r.message());
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
