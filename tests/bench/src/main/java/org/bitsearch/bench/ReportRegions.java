package org.bitsearch.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Merges what one {@code bitsearch bench} run measured into an existing {@code BENCHMARKS.md} without touching
 * anything else in it. Every part the harness writes lives in a marked region,
 * <pre>
 * &lt;!-- bench:figure 3 begin --&gt;
 * ...
 * &lt;!-- bench:figure 3 end --&gt;
 * </pre>
 * named {@code header}, {@code figure N} or {@code failures}. {@link #merge} replaces the regions the run wrote, keeps
 * every other region (figures not measured this time) and all text outside regions (hand-written sections) byte for
 * byte, and inserts a region the file lacks after the nearest region that precedes it in {@link #order} (or before the
 * nearest one that follows it; at the end of the file if it has none). Pure functions, no I/O.
 */
final class ReportRegions {
    private static final Pattern MARKER = Pattern.compile("<!-- bench:([a-z0-9 ]+) (begin|end) -->");

    private ReportRegions() {}

    static String begin(String name) { return "<!-- bench:" + name + " begin -->"; }

    static String end(String name) { return "<!-- bench:" + name + " end -->"; }

    /** The region named {@code name} holding {@code markdown}: begin marker, the text, end marker, one newline after each. */
    static String region(String name, String markdown) {
        checkName(name);
        String body = markdown == null ? "" : markdown.strip();
        return begin(name) + "\n" + (body.isEmpty() ? "" : body + "\n") + end(name) + "\n";
    }

    /** Where a region belongs: header first, then figures by number, then failures. */
    static double order(String name) {
        if (name.equals("header")) return -1;
        if (name.equals("failures")) return Double.MAX_VALUE;
        if (name.startsWith("figure ")) return Double.parseDouble(name.substring(7));
        throw new IllegalArgumentException("region name is '" + name + "', but must be header, failures or figure N");
    }

    private static void checkName(String name) {
        if (name == null || !(name.equals("header") || name.equals("failures") || name.matches("figure [1-9][0-9]*")))
            throw new IllegalArgumentException("region name is '" + name + "', but must be header, failures or figure N");
    }

    /** A region found in a document: [start, end) covers its begin marker through its end marker's line break. */
    record Span(String name, int start, int end) {}

    /**
     * The regions of {@code doc} in document order.
     *
     * @throws IllegalArgumentException naming the region if a begin marker has no end marker, an end marker no begin,
     *                                  regions nest or a region occurs twice
     */
    static List<Span> regions(String doc) {
        List<Span> out = new ArrayList<>();
        Matcher m = MARKER.matcher(doc);
        String open = null;
        int openAt = -1;
        while (m.find()) {
            String name = m.group(1), kind = m.group(2);
            if (kind.equals("begin")) {
                if (open != null)
                    throw new IllegalArgumentException("region '" + name + "' begins inside region '" + open + "', but regions must not nest");
                open = name;
                openAt = m.start();
            } else {
                if (!name.equals(open))
                    throw new IllegalArgumentException("region '" + name + "' ends " + (open == null ? "without a begin marker" : "inside region '" + open + "'"));
                int end = m.end();
                if (end < doc.length() && doc.charAt(end) == '\n') end++;
                String closed = open;
                if (out.stream().anyMatch(s -> s.name().equals(closed)))
                    throw new IllegalArgumentException("region '" + name + "' occurs twice, but each region must occur once");
                out.add(new Span(name, openAt, end));
                open = null;
            }
        }
        if (open != null) throw new IllegalArgumentException("region '" + open + "' has a begin marker but no end marker");
        return out;
    }

    /**
     * {@code existing} (null or blank for a new file) with {@code regions} (name → Markdown) merged in as described
     * above. The result ends with one newline.
     *
     * @throws IllegalArgumentException if {@code existing}'s markers are malformed ({@link #regions}) or a name is invalid
     */
    static String merge(String existing, Map<String, String> regions) {
        String doc = existing == null ? "" : existing;
        regions(doc); // validate before changing anything
        for (Map.Entry<String, String> e : new LinkedHashMap<>(regions).entrySet()) {
            String name = e.getKey();
            String text = region(name, e.getValue());
            List<Span> spans = regions(doc);
            Span same = spans.stream().filter(s -> s.name().equals(name)).findFirst().orElse(null);
            if (same != null) {
                doc = doc.substring(0, same.start()) + text + doc.substring(same.end());
                continue;
            }
            double at = order(name);
            Span before = null, after = null;
            for (Span s : spans) {
                double o = order(s.name());
                if (o < at && (before == null || o > order(before.name()))) before = s;
                if (o > at && (after == null || o < order(after.name()))) after = s;
            }
            if (before != null) doc = doc.substring(0, before.end()) + "\n" + text + doc.substring(before.end());
            else if (after != null) doc = doc.substring(0, after.start()) + text + "\n" + doc.substring(after.start());
            else doc = doc.isBlank() ? text : doc.stripTrailing() + "\n\n" + text;
        }
        return doc.stripTrailing() + "\n";
    }
}
