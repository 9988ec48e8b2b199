package org.bitsearch.search.pareto;

/**
 * One point of the (accuracy up, size down) plane.
 *
 * @param number   the trial number the point belongs to
 * @param accuracy validation accuracy in [0, 1] (higher is better)
 * @param sizeBits model size in bits (lower is better)
 */
public record FrontPoint(int number, double accuracy, long sizeBits) {
    public FrontPoint {
        if (!(accuracy >= 0 && accuracy <= 1)) throw new IllegalArgumentException("accuracy is " + accuracy + ", but must be in [0, 1]");
        if (sizeBits <= 0) throw new IllegalArgumentException("sizeBits is " + sizeBits + ", but must be > 0");
    }

    /** True if this point is at least as good in both objectives and strictly better in one. */
    public boolean dominates(FrontPoint o) {
        return accuracy >= o.accuracy && sizeBits <= o.sizeBits && (accuracy > o.accuracy || sizeBits < o.sizeBits);
    }
}
