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
import java.util.Locale;
import java.util.concurrent.Callable;

/** {@code bitsearch list}: every search in the database, newest first. */
@Command(name = "list", mixinStandardHelpOptions = true, description = "Lists the searches in the database, newest first.")
public final class ListCommand implements Callable<Integer> {
    @Mixin StoreOptions store;

    @Option(names = "--json", description = "print a JSON array of {id, name, state, message, trials, created, updated}")
    boolean json;

    @Override
    public Integer call() throws Exception {
        try (H2SearchStore s = store.open()) {
            List<SearchRow> rows = s.searches();
            if (json) {
                ArrayNode a = SearchReport.JSON.createArrayNode();
                for (SearchRow r : rows) {
                    ObjectNode o = a.addObject();
                    o.put("id", r.id());
                    o.put("name", r.name());
                    o.put("state", r.state().name());
                    o.put("message", r.message());
                    o.put("trials", s.trials(r.id()).size());
                    o.put("created", String.valueOf(r.created()));
                    o.put("updated", String.valueOf(r.updated()));
                }
                System.out.println(SearchReport.JSON.writeValueAsString(a));
            } else {
                System.out.printf(Locale.ROOT, "%4s  %-24s  %-9s  %6s  %-20s  %s%n", "id", "name", "state", "trials", "updated", "message");
                for (SearchRow r : rows)
                    System.out.printf(Locale.ROOT, "%4d  %-24s  %-9s  %6d  %-20s  %s%n", r.id(), r.name(), r.state(), s.trials(r.id()).size(),
                            String.valueOf(r.updated()).replaceFirst("\\.\\d+Z$", "Z"), r.message());
            }
            return Cli.OK;
        } catch (StoreException e) {
            System.err.println("bitsearch: " + e.getMessage());
            return Cli.FAILURE;
        }
    }
}
