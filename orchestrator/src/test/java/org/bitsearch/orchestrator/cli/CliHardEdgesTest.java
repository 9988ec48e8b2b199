package org.bitsearch.orchestrator.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.bitsearch.orchestrator.cli.DataChecksTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line's edges: a mistyped --db, unknown ids, a spec that is not UTF-8, show's trial table. */
class CliHardEdgesTest {
    @TempDir Path work;

    private String search() throws Exception {
        Path spec = work.resolve("tiny.yaml");
        Files.writeString(spec, """
                name: tiny
                seed: 5
                trainer: {kind: simulated, hidden: [16]}
                space:
                  params:
                    learningRate: {type: logfloat, low: 1.0e-4, high: 1.0e-2}
                  bits: {allowed: [1, 2, 4, 8]}
                pruner: {type: asha, minResource: 1, reductionFactor: 2}
                budget: {maxTrials: 6, maxEpochs: 4, maxConcurrent: 2}
                """);
        String db = work.resolve("db").toString();
        DataChecksTest.Result r = run("run", spec.toString(), "--db", db);
        assertEquals(0, r.exit(), r.err());
        return db;
    }

    @Test
    void readCommandsOnAMistypedDbCreateNothingAndExit2() {
        Path typo = work.resolve("bitsearch-dta");
        for (String[] args : List.of(new String[]{"list"}, new String[]{"list", "--json"}, new String[]{"show", "1"},
                new String[]{"resume", "1"})) {
            String[] full = Arrays.copyOf(args, args.length + 2);
            full[args.length] = "--db";
            full[args.length + 1] = typo.toString();
            DataChecksTest.Result r = run(full);
            assertEquals(2, r.exit(), String.join(" ", args) + ": " + r.err());
            assertTrue(r.err().contains("there is no bitsearch database in " + typo), r.err());
            assertFalse(Files.exists(typo), String.join(" ", args) + " created " + typo);
        }
    }

    @Test
    void unknownIdsExit2ForShowAndResumeAlike() throws Exception {
        String db = search();
        DataChecksTest.Result show = run("show", "99", "--db", db);
        DataChecksTest.Result resume = run("resume", "99", "--db", db);
        assertEquals(2, show.exit(), show.err());
        assertEquals(2, resume.exit(), resume.err());
        assertTrue(resume.err().contains("there is no search 99 in "), resume.err());
        assertFalse(resume.err().contains("Exception"), resume.err());
    }

    @Test
    void showPrintsEveryTrialsParamsAlsoWithAReason() throws Exception {
        String db = search();
        DataChecksTest.Result r = run("show", "1", "--db", db);
        assertEquals(0, r.exit(), r.err());
        List<String> rows = r.out().lines().filter(l -> l.matches("^\\s+\\d+\\s+(COMPLETED|PRUNED|FAILED).*")).toList();
        assertEquals(6, rows.size(), r.out());
        for (String row : rows) assertTrue(row.contains("{learningRate="), "params missing in: " + row);
        assertTrue(rows.stream().anyMatch(l -> l.contains("PRUNED") && l.contains("{learningRate=") && l.contains(" | ")),
                "a pruned trial shows its params and its reason:\n" + r.out());
    }

    @Test
    void aSpecThatIsNotUtf8GetsAPlainMessage() throws Exception {
        Path spec = work.resolve("latin1.yaml");
        byte[] text = "name: caf\u00e9\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        Files.write(spec, text);
        DataChecksTest.Result r = run("run", spec.toString(), "--db", work.resolve("db").toString());
        assertEquals(2, r.exit(), r.err());
        assertEquals("SPEC: " + spec + " is not UTF-8 text (byte 9 is 0xe9); save it as UTF-8", r.err().strip());
        assertFalse(Files.exists(work.resolve("db")));
    }
}
