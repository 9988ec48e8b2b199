package org.bitsearch.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Argument validation only: every case fails before any figure is measured, so nothing is written. */
class BenchCommandTest {
    @TempDir Path dir;

    private String run(int expectedExit, String... args) {
        StringWriter err = new StringWriter();
        CommandLine cmd = BenchMain.commandLine();
        cmd.setErr(new PrintWriter(err));
        cmd.setOut(new PrintWriter(new StringWriter()));
        assertEquals(expectedExit, cmd.execute(args), err.toString());
        return err.toString();
    }

    @Test
    void rejectsZeroRepeats() {
        String err = run(2, "--repeats", "0", "--figures", "6", "--out", dir.resolve("B.md").toString());
        assertTrue(err.contains("--repeats is 0, but must be >= 1"), err);
        assertFalse(Files.exists(dir.resolve("B.md")));
    }

    @Test
    void rejectsUnknownFigures() {
        String err = run(2, "--figures", "3,11", "--out", dir.resolve("B.md").toString());
        assertTrue(err.contains("--figures names 11, but figures are numbered 1..10"), err);
    }

    @Test
    void rejectsAMissingDataDirectoryWhenAFigureNeedsData() {
        String err = run(2, "--figures", "1", "--data", dir.resolve("nope").toString(), "--out", dir.resolve("B.md").toString());
        assertTrue(err.contains("--data is '" + dir.resolve("nope") + "', but it is not a directory"), err);
    }

    @Test
    void rejectsAnOutputThatIsNotMarkdownOrHasNoDirectory() {
        String err = run(2, "--figures", "6", "--out", dir.resolve("B.txt").toString());
        assertTrue(err.contains("must name a .md file"), err);
        err = run(2, "--figures", "6", "--out", dir.resolve("missing/B.md").toString());
        assertTrue(err.contains("its directory does not exist"), err);
    }

    @Test
    void refusesAReportWhoseRegionsAreBrokenAndLeavesItAsItWas() throws Exception {
        Path out = dir.resolve("B.md");
        String broken = "# mine\n\n<!-- bench:figure 3 begin -->\nold\n";
        Files.writeString(out, broken);
        String err = run(2, "--figures", "6", "--out", out.toString());
        assertTrue(err.contains("--out is '" + out + "', but its bench regions cannot be merged: region 'figure 3' has a begin marker but no end marker"), err);
        assertEquals(broken, Files.readString(out));
    }

    @Test
    void mergesTheMeasuredFigureIntoAnExistingReportAndKeepsEverythingElse() throws Exception {
        Path out = dir.resolve("B.md");
        String hand = "## Hand-written: ResNet-20\n\nmeasured by hand, keep me | a | b |\n";
        String before = "# bitsearch benchmarks\n\n" + ReportRegions.region("header", "old header") + "\n"
                + ReportRegions.region("figure 2", "## 2. old figure two") + "\n"
                + ReportRegions.region("figure 6", "## 6. stale figure six") + "\n" + hand;
        Files.writeString(out, before);
        run(0, "--quick", "--repeats", "1", "--figures", "6", "--out", out.toString());
        String after = Files.readString(out);
        assertTrue(after.startsWith("# bitsearch benchmarks\n\n<!-- bench:header begin -->\n"), after);
        assertFalse(after.contains("old header"), after);
        assertTrue(after.contains(ReportRegions.region("figure 2", "## 2. old figure two")), after);
        assertFalse(after.contains("stale figure six"), after);
        assertTrue(after.contains("## 6. "), after);
        assertTrue(after.contains("by `./bitsearch bench --quick --repeats 1 --figures 6 --out " + out + "`"), after);
        assertTrue(after.endsWith(hand), after);
        assertEquals(1, after.split("<!-- bench:figure 6 begin -->", -1).length - 1, after);
    }

    @Test
    void thePngGoesBesideTheReport() {
        assertEquals(dir.resolve("BENCHMARKS-front.png"), BenchCommand.pngFor(dir.resolve("BENCHMARKS.md")));
    }
}
