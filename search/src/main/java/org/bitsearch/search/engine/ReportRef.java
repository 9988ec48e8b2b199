package org.bitsearch.search.engine;

/** Identifies one recorded epoch report; a list of these gives the order in which reports were recorded. */
public record ReportRef(int number, int epoch) {
    public ReportRef {
        if (number < 0 || epoch < 1) throw new IllegalArgumentException("report (" + number + ", " + epoch + ") must have number >= 0 and epoch >= 1");
    }
}
