package org.bitsearch.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchReportTest {
    @Test
    void rendersHeadingsParagraphsAndPipeTablesSeparatedByBlankLines() {
        Summary s = Summary.of(90000, 86000, 120000);
        String md = new BenchReport()
                .heading(1, "bitsearch benchmarks")
                .paragraph("Measured here.")
                .heading(2, "1. Throughput")
                .table(List.of("weights", "samples/s"), List.of(List.of("FP32", s.format(0)), List.of("a|b", "1")))
                .image("front", "BENCHMARKS-front.png")
                .markdown();
        assertEquals("""
                # bitsearch benchmarks

                Measured here.

                ## 1. Throughput

                | weights | samples/s |
                | --- | --- |
                | FP32 | 90,000 (86,000–120,000) |
                | a\\|b | 1 |

                ![front](BENCHMARKS-front.png)
                """, md);
    }

    @Test
    void rejectsRaggedTablesAndBadHeadings() {
        BenchReport r = new BenchReport();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> r.table(List.of("a", "b"), List.of(List.of("1"))));
        assertTrue(e.getMessage().contains("row 0 has 1 cells, but the header has 2"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> r.heading(7, "x"));
        assertThrows(IllegalArgumentException.class, () -> r.table(List.of(), List.of()));
        assertEquals("\n", r.markdown());
    }

    @Test
    void writesAtomicallyReplacingTheOldReportAndLeavesNoTempFile(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("BENCHMARKS.md");
        Files.writeString(out, "old");
        new BenchReport().heading(1, "new").write(out);
        assertEquals("# new\n", Files.readString(out));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(out), files.toList());
        }
    }
}
