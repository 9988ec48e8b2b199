package org.bitsearch.tests.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.bitsearch.actors.service.RegistrySearchService;
import org.bitsearch.actors.spec.CompiledSearch;
import org.bitsearch.actors.spec.SpecCompiler;
import org.bitsearch.actors.spec.SpecException;
import org.bitsearch.orchestrator.wiring.StandardTrainers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shipped example specs are valid; a bad spec makes {@code bitsearch run} exit 2, list every problem, write nothing. */
class ExamplesAndBadInputTest {
    static final Path REPO = Path.of(System.getProperty("bitsearch.repoRoot"));
    /** The subset shipped in the repository: 4000 training images, too few for the example's 12000 + 5000. */
    static final Path SMALL = REPO.resolve("data/fashion-mnist-small");
    /** The full dataset where this machine has it (../shared or Debian's package), else empty. */
    static final Optional<Path> FULL = Stream.of(
                    Path.of(System.getProperty("bitsearch.shared"), "datasets", "fashion-mnist"),
                    Path.of("/usr/share/datasets/fashion-mnist"))
            .filter(p -> Files.isRegularFile(p.resolve("train-images-idx3-ubyte.gz"))).findFirst();
    final SpecCompiler compiler = new SpecCompiler(StandardTrainers.factory());

    @TempDir Path work;

    @Test
    void theExampleSpecsCompile() throws Exception {
        ObjectNode fmnist = SpecCompiler.parse(Files.readString(REPO.resolve("examples/fashion-mnist.yaml")));
        assertFalse(fmnist.get("trainer").has("dataDir"), "the example finds its data (README, where the data comes from)");
        ((ObjectNode) fmnist.get("trainer")).put("dataDir", SMALL.toString()); // what --data does
        CompiledSearch f = compiler.compile(fmnist);
        assertEquals("dl4j", f.trainerKind());
        assertEquals(3, f.settings().space().bits().layers().size());
        assertEquals(16, f.settings().maxTrials());
        // the data check before anything is written: the subset is too small for the example's split ...
        SpecException tooSmall = assertThrows(SpecException.class, () -> RegistrySearchService.checkReady(f));
        assertEquals(List.of("trainer.validationSize is 5000, but the training set of fashion-mnist has only 4000 samples"
                + " (some must remain for training)"), tooSmall.problems());
        // ... and the full dataset, where this machine has it, passes
        if (FULL.isPresent()) {
            ((ObjectNode) fmnist.get("trainer")).put("dataDir", FULL.get().toString());
            RegistrySearchService.checkReady(compiler.compile(fmnist));
        }
        CompiledSearch s = compiler.compile(Files.readString(REPO.resolve("examples/simulated.yaml")));
        assertEquals("simulated", s.trainerKind());
    }

    @Test
    void runWithABadSpecExitsTwoListingEveryProblemAndWritesNothing() throws Exception {
        Path spec = work.resolve("bad.yaml");
        Files.writeString(spec, """
                name: bad
                trainer: {kind: simulated, epochSeconds: -1}
                space: {bits: {allowed: [3, 99]}}
                sampler: {type: tpe, gamma: 2}
                budget: {maxTrials: 0, maxEpochs: 2}
                """);
        Path db = work.resolve("db");
        InProcessCli.Result r = InProcessCli.run("run", spec.toString(), "--db", db.toString());
        String text = r.err();
        assertEquals(2, r.exit(), text);
        for (String expected : new String[]{"trainer: trainer.epochSeconds is -1.0, but must be finite and >= 0",
                "space.bits.allowed[1] is 99, but must be one of", "sampler.gamma is 2.0, but must be in [0.0, 1.0]",
                "budget.maxTrials is 0, but must be >= 1"})
            assertTrue(text.contains(expected), "missing '" + expected + "' in:\n" + text);
        assertTrue(text.startsWith("invalid search spec (4 problems):"), text);
        assertFalse(Files.exists(db), "nothing was written");
    }

    /** One JSON schema for every command: counts, trials (an array), epochs (a count), valAccuracy vs bestValAccuracy. */
    @Test
    void runShowAndListShareOneJsonSchema() throws Exception {
        Path spec = work.resolve("tiny.yaml");
        Files.writeString(spec, """
                name: tiny
                seed: 3
                trainer: {kind: simulated, hidden: [16], epochSeconds: 0}
                space: {bits: {allowed: [2, 4, 8]}}
                pruner: {type: asha, minResource: 1, reductionFactor: 2}
                budget: {maxTrials: 4, maxEpochs: 3, maxConcurrent: 2}
                """);
        String db = work.resolve("db").toString();
        ObjectMapper mapper = new ObjectMapper();
        JsonNode run = mapper.readTree(stdout("run", spec.toString(), "--db", db, "--json"));
        JsonNode show = mapper.readTree(stdout("show", "1", "--db", db, "--json"));
        JsonNode list = mapper.readTree(stdout("list", "--db", db, "--json"));
        List<String> countFields = List.of("total", "pending", "running", "interrupted", "completed", "pruned", "failed");
        for (JsonNode counts : List.of(run.get("counts"), show.get("counts"), list.get(0).get("counts"))) {
            assertEquals(countFields, iterable(counts.fieldNames()), counts.toString());
            assertEquals(4, counts.get("total").asInt());
        }
        assertEquals(run.get("counts"), show.get("counts"));
        assertEquals(run.get("counts"), list.get(0).get("counts"));
        assertEquals(1, show.get("id").asInt(), "show is flat like run: id, name, state, ... at the top");
        assertTrue(show.get("trials").isArray() && show.get("trials").size() == 4, "trials is always an array of trials");
        for (JsonNode t : show.get("trials")) {
            assertTrue(t.get("epochs").isInt(), "epochs is the number of epochs trained");
            assertTrue(t.get("bestValAccuracy").asDouble() >= t.get("valAccuracy").asDouble(), t.toString());
        }
        assertTrue(run.get("front").isArray() && run.get("front").size() >= 1);
        assertTrue(run.get("front").get(0).has("valAccuracy"));
        assertEquals(run.get("front"), show.get("front"));
        assertFalse(list.get(0).has("trials"), "list carries counts, not trials");
    }

    private static List<String> iterable(Iterator<String> names) {
        List<String> l = new ArrayList<>();
        names.forEachRemaining(l::add);
        return l;
    }

    /** Runs the command line in-process and returns what it printed on stdout (exit code 0 asserted). */
    private static String stdout(String... args) {
        InProcessCli.Result r = InProcessCli.run(args);
        int code = r.exit();
        String text = r.out();
        assertEquals(0, code, String.join(" ", args) + ": " + text);
        return text;
    }
}
