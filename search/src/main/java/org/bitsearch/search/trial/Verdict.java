package org.bitsearch.search.trial;

/**
 * A pruner's decision on one report, with the rung it was taken at so that it can be stored as a row
 * (rung decisions are rebuilt from rows on resume, never from serialized objects).
 *
 * @param decision CONTINUE or STOP
 * @param rung     the rung index the report was judged at, or -1 if the epoch is not a rung
 * @param reason   a short human-readable reason ("rank 3 of 4 at rung 1 (epoch 3), needs top 1", "last epoch")
 */
public record Verdict(Decision decision, int rung, String reason) {
    public Verdict {
        if (decision == null) throw new IllegalArgumentException("decision must not be null");
        if (rung < -1) throw new IllegalArgumentException("rung is " + rung + ", but must be >= -1");
        if (reason == null) reason = "";
    }

    public static Verdict proceed() { return new Verdict(Decision.CONTINUE, -1, ""); }

    public boolean stop() { return decision == Decision.STOP; }
}
