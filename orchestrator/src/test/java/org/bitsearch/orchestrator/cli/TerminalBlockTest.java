package org.bitsearch.orchestrator.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The block at the bottom of the terminal: redrawn in place, log lines above it, never cut into. */
class TerminalBlockTest {
    private static final String CLEAR = "\r\033[2K", UP = "\033[1A";

    @Test void showRedrawsInPlaceAndLogsGoAboveTheBlock() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TerminalBlock block = new TerminalBlock(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        block.show(List.of("bar 1", "running: a"));
        assertEquals("bar 1\nrunning: a", text(bytes));
        bytes.reset();
        block.show(List.of("bar 2", "running: b"));
        assertEquals(CLEAR + UP + CLEAR + "bar 2\nrunning: b", text(bytes), "erase both lines, draw the new block");
        bytes.reset();
        block.log("trial 3 COMPLETED");
        assertEquals(CLEAR + UP + CLEAR + "trial 3 COMPLETED\nbar 2\nrunning: b", text(bytes));
        bytes.reset();
        block.finish();
        assertEquals("\n", text(bytes));
        bytes.reset();
        block.log("after");
        assertEquals("after\n", text(bytes), "no block left to erase");
    }

    @Test void theLogStreamPrintsEachCompleteLineAboveTheBlock() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TerminalBlock block = new TerminalBlock(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        block.show(List.of("bar"));
        bytes.reset();
        PrintStream logs = new PrintStream(block.logStream(StandardCharsets.UTF_8), true, StandardCharsets.UTF_8);
        logs.print("12:00:00 WARN half a ");
        assertEquals("", text(bytes), "a partial line waits for its end");
        logs.print("line – ünïcode\r\nsecond\n");
        assertEquals(CLEAR + "12:00:00 WARN half a line – ünïcode\nbar" + CLEAR + "second\nbar", text(bytes));
    }

    private static String text(ByteArrayOutputStream bytes) {
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
