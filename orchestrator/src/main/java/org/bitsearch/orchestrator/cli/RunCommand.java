package org.bitsearch.orchestrator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.bitsearch.actors.SearchSystemSettings;
import org.bitsearch.orchestrator.wiring.StandardTrainers;
import org.bitsearch.actors.service.RegistrySearchService;
import org.bitsearch.actors.spec.CompiledSearch;
import org.bitsearch.actors.spec.SpecCompiler;
import org.bitsearch.trainers.dl4j.data.DataLocator;
import org.bitsearch.actors.spec.SpecException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code bitsearch run SPEC}: validates the spec in full, runs the search in the foreground and prints its
 * Pareto front. Exit codes: 0 the search ended (completed, or stopped and resumable), 2 bad input (every spec
 * problem printed, one per line), 1 failure.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Runs a search in the foreground: progress on stderr, the Pareto front on stdout at the end. "
                + "Ctrl-C stops it cleanly; 'bitsearch resume ID' goes on.")
public final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SPEC", description = "search spec, YAML or JSON")
    Path spec;

    @Mixin StoreOptions store;
    @Mixin SystemOptions system;

    @Option(names = "--data", paramLabel = "DIR", description = "dataset directory; overrides the spec's trainer.dataDir")
    Path data;

    @Option(names = "--json", description = "print the result as one JSON object")
    boolean json;

    @Override
    public Integer call() {
        String text;
        try {
            byte[] bytes = Files.readAllBytes(spec);
            java.util.Optional<String> decoded = org.bitsearch.orchestrator.wiring.Utf8Text.decode(bytes);
            if (decoded.isEmpty()) {
                System.err.println("SPEC: " + spec + " " + org.bitsearch.orchestrator.wiring.Utf8Text.problem(bytes));
                return 2;
            }
            text = decoded.get();
        } catch (NoSuchFileException e) {
            System.err.println("SPEC: no file " + spec + " (give the path of a YAML or JSON search spec, e.g. examples/simulated.yaml)");
            return 2;
        } catch (IOException e) {
            System.err.println("SPEC: cannot read " + spec + ": " + e);
            return 2;
        }
        String specJson;
        try {
            ObjectNode tree = SpecCompiler.parse(text);
            resolveDataDir(tree, data);
            specJson = tree.toString();
            CompiledSearch compiled = new SpecCompiler(StandardTrainers.factory()).compile(tree); // every problem before anything starts
            RegistrySearchService.checkReady(compiled); // the data opened and checked before the database is
        } catch (SpecException e) {
            return Cli.printProblems(e);
        }
        return Cli.foreground(store, system, json, s -> s.service().submit(specJson));
    }

    /**
     * Makes {@code trainer.dataDir} absolute so that the stored spec works from any directory and records where
     * the data came from: {@code --data} if given, else the spec's own value resolved against the working
     * directory, else (a DL4J trainer naming a dataset) what {@link DataLocator#standard()} finds. When nothing is
     * found the field stays absent and the compiler reports where it looked.
     */
    static void resolveDataDir(ObjectNode tree, Path data) {
        JsonNode trainer = tree.get("trainer");
        if (!(trainer instanceof ObjectNode t)) return;
        if (data != null) t.put("dataDir", data.toAbsolutePath().normalize().toString());
        else if (t.get("dataDir") != null && t.get("dataDir").isTextual())
            t.put("dataDir", Path.of(t.get("dataDir").asText()).toAbsolutePath().normalize().toString());
        else if (t.get("dataDir") == null && t.path("kind").asText("dl4j").equals("dl4j") && t.path("dataset").isTextual())
            DataLocator.standard().locate(t.get("dataset").asText()).ifPresent(dir -> t.put("dataDir", dir.toString()));
    }

    static SearchSystemSettings settings(StoreOptions store, SystemOptions system) {
        return SearchSystemSettings.defaults(store.dataDir(), StandardTrainers.factory()).withResumeInterrupted(false)
                .withCpuSlots(system.cpuSlots).withSlotsPerDevice(system.slotsPerDevice).withCluster(system.coordinator().orElse(null));
    }
}
