package org.bitsearch.bench;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportRegionsTest {
    private static Map<String, String> regions(String... nameText) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < nameText.length; i += 2) m.put(nameText[i], nameText[i + 1]);
        return m;
    }

    private static String r(String name, String text) { return ReportRegions.region(name, text); }

    @Test
    void aNewReportIsTheRegionsInOrder() {
        String doc = ReportRegions.merge(null, regions("header", "# H", "figure 1", "## 1. one", "failures", ""));
        assertEquals(r("header", "# H") + "\n" + r("figure 1", "## 1. one") + "\n" + r("failures", ""), doc);
    }

    @Test
    void replacesOnlyTheMeasuredRegionsAndKeepsHandWrittenTextByteForByte() {
        String hand1 = "# Title by hand\n\nintro  with  odd   spacing\n\n";
        String hand2 = "\n## ResNet-20 by hand\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n\n";
        String hand3 = "\n## Papers by hand\n\ntext\n";
        String before = hand1 + r("header", "old header") + hand2 + r("figure 1", "## 1. old one") + "\n" + r("figure 3", "## 3. old three")
                + hand3;
        String after = ReportRegions.merge(before, regions("header", "new header", "figure 3", "## 3. new three"));
        assertEquals(hand1 + r("header", "new header") + hand2 + r("figure 1", "## 1. old one") + "\n" + r("figure 3", "## 3. new three") + hand3,
                after);
    }

    @Test
    void insertsAMissingFigureAfterTheNearestPrecedingOneOrBeforeTheNearestFollowingOne() {
        String before = r("header", "h") + "\n" + r("figure 2", "two") + "\n" + r("figure 7", "seven") + "\n# Hand\n\nkeep\n";
        String after = ReportRegions.merge(before, regions("figure 5", "five", "figure 8", "eight", "figure 1", "one"));
        List<String> names = ReportRegions.regions(after).stream().map(ReportRegions.Span::name).toList();
        assertEquals(List.of("header", "figure 1", "figure 2", "figure 5", "figure 7", "figure 8"), names);
        assertTrue(after.endsWith("# Hand\n\nkeep\n"), after);
        String noHeader = ReportRegions.merge("# Hand only\n", regions("figure 4", "four"));
        assertEquals("# Hand only\n\n" + r("figure 4", "four"), noHeader);
        String beforeFollowing = ReportRegions.merge("intro\n\n" + r("figure 3", "three"), regions("figure 1", "one"));
        assertEquals("intro\n\n" + r("figure 1", "one") + "\n" + r("figure 3", "three"), beforeFollowing);
    }

    @Test
    void mergingTwiceGivesTheSameReport() {
        String base = "# by hand\n\n" + r("figure 1", "one") + "\n## hand\n";
        Map<String, String> m = regions("header", "h", "figure 1", "uno", "figure 4", "four");
        String once = ReportRegions.merge(base, m);
        assertEquals(once, ReportRegions.merge(once, m));
    }

    @Test
    void malformedMarkersAreRefusedNamingTheRegion() {
        assertEquals("region 'figure 2' has a begin marker but no end marker",
                assertThrows(IllegalArgumentException.class, () -> ReportRegions.merge("<!-- bench:figure 2 begin -->\nx\n", regions("figure 1", "a"))).getMessage());
        assertEquals("region 'figure 2' ends without a begin marker",
                assertThrows(IllegalArgumentException.class, () -> ReportRegions.regions("x\n<!-- bench:figure 2 end -->\n")).getMessage());
        assertEquals("region 'figure 3' begins inside region 'figure 2', but regions must not nest",
                assertThrows(IllegalArgumentException.class, () -> ReportRegions.regions(
                        "<!-- bench:figure 2 begin -->\n<!-- bench:figure 3 begin -->\n")).getMessage());
        assertEquals("region 'figure 1' occurs twice, but each region must occur once",
                assertThrows(IllegalArgumentException.class, () -> ReportRegions.regions(r("figure 1", "a") + r("figure 1", "b"))).getMessage());
        assertEquals("region name is 'figure x', but must be header, failures or figure N",
                assertThrows(IllegalArgumentException.class, () -> ReportRegions.merge("", regions("figure x", "a"))).getMessage());
    }

    /**
     * The committed report is one the harness can merge into: its markers parse, and every figure the harness
     * measures (1..{@link BenchCommand#LAST_FIGURE}) owns a region, in number order after the header, so a run
     * replaces each figure's text instead of inserting a second copy beside an unmarked one.
     */
    @Test
    void theRepositorysReportHasARegionForEveryFigureInOrder() throws Exception {
        String root = System.getProperty("bitsearch.repoRoot");
        if (root == null) throw new IllegalStateException("system property bitsearch.repoRoot is not set (run through Maven)");
        String doc = Files.readString(Path.of(root, "BENCHMARKS.md"));
        List<String> names = ReportRegions.regions(doc).stream().map(ReportRegions.Span::name).toList();
        List<String> expected = new java.util.ArrayList<>(List.of("header"));
        for (int f = 1; f <= BenchCommand.LAST_FIGURE; f++) expected.add("figure " + f);
        assertEquals(expected, names.stream().filter(n -> !n.equals("failures")).toList());
        for (int f = 1; f <= BenchCommand.LAST_FIGURE; f++) {
            String begin = ReportRegions.begin("figure " + f);
            int at = doc.indexOf(begin) + begin.length();
            assertTrue(doc.startsWith("\n## " + f + ". ", at), "figure " + f + "'s region starts with its heading");
            assertEquals(1, doc.split("\n## " + f + "\\. ", -1).length - 1, "figure " + f + "'s heading occurs once");
        }
    }
}
