package org.bitsearch.search.sampler;

import org.bitsearch.search.rng.SplitMix64;
import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.space.BitAllocationSpace;
import org.bitsearch.search.space.DepthPrior;
import org.bitsearch.search.space.Dimension;
import org.bitsearch.search.space.Dimensions;
import org.bitsearch.search.space.FeasibleAllocations;
import org.bitsearch.search.space.SearchSpace;
import org.bitsearch.search.trial.Candidate;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A space-filling design of {@code n} candidates (Latin hypercube sampling, McKay, Beckman and Conover,
 * "A comparison of three methods for selecting values of input variables in the analysis of output from a
 * computer code", Technometrics 1979, applied gene by gene): NSGA-II's first generation
 * ({@link Nsga2Sampler}). Every gene gets its own column of {@code n} values, balanced or stratified, shuffled
 * independently of the other columns; row i of all columns is candidate i.
 * <ul>
 *   <li>A numeric hyperparameter (int, float, log-float range): the unit interval of its encoding
 *   ({@link Dimensions#toUnit}) is cut into {@code n} equal strata and each stratum gets one uniform draw
 *   ({@link Dimensions#fromUnit}: log-uniform within the stratum for a log range, rounded for an int range), in a
 *   random order.</li>
 *   <li>A categorical hyperparameter: each choice appears ⌊n/k⌋ or ⌈n/k⌉ times (which choices get the extra one
 *   is random), in a random order.</li>
 *   <li>A free layer's bit-width (weights, and activations with {@code activationBits}): each allowed width appears
 *   n·p_l(b) times rounded by largest remainder, where p_l is the layer's {@link DepthPrior} marginal
 *   ({@link DepthPrior#probabilities}: uniform at ρ = 0, so every width equally often up to one), ties in the
 *   rounding broken at random. A pinned layer takes its pin.</li>
 *   <li>{@code nonIncreasing}: the column of each free layer is assigned to the rows (not shuffled freely) so
 *   that no row's width exceeds the previous free layer's: rows in increasing order of that bound (ties at random),
 *   each taking a random remaining width that is within its bound and leaves the rest assignable (Hall's condition:
 *   for every width c, no more remaining widths ≥ c than remaining rows whose bound is ≥ c). At ρ = 0 every free
 *   column holds the same widths (the rounding's ties are broken once for all layers), so the assignment always
 *   succeeds and the balance is exact; with ρ > 0 a row left without a width within its bound takes its bound
 *   (the repair's clamp below), which moves one count of that layer down.</li>
 *   <li>Each row's allocation then goes through {@link FeasibleAllocations#repair}: the identity for a feasible
 *   row; over a size budget ({@code maxSizeBits}) it drops a random layer one allowed step until the row fits, so
 *   under a tight budget the widths of the design are shifted down where the budget forces it (as the random
 *   draws are restricted by it) and the balance holds only for the rows that fit.</li>
 * </ul>
 * Numeric and categorical columns first, in the space's dimension order, then the weight bits layer by layer,
 * then the repairs in row order, then the activation bits the same way, all from one generator seeded with the
 * search's design seed: the design is a pure function of (space, n, design seed).
 */
public final class SpaceFillingDesign {
    private SpaceFillingDesign() {}

    /**
     * The {@code n} candidates of the design of {@code space}, row i for trial i of the first generation.
     *
     * @throws IllegalArgumentException if {@code n < 1}
     */
    public static List<Candidate> of(SearchSpace space, int n, long designSeed) {
        if (n < 1) throw new IllegalArgumentException("n is " + n + ", but a design needs at least one row");
        SplitMix64 rng = new SplitMix64(designSeed);
        List<Map<String, Object>> params = new ArrayList<>();
        for (int i = 0; i < n; i++) params.add(new LinkedHashMap<>());
        for (Dimension d : space.dimensions()) {
            Object[] column = column(d, n, rng);
            for (int i = 0; i < n; i++) params.get(i).put(d.name(), column[i]);
        }
        List<BitAllocation> weights = allocations(space.bits(), n, rng);
        List<BitAllocation> acts = space.activationBits().map(a -> allocations(a, n, rng)).orElse(null);
        List<Candidate> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(new Candidate(params.get(i), weights.get(i), acts == null ? null : acts.get(i)));
        return List.copyOf(out);
    }

    private static Object[] column(Dimension d, int n, SplitMix64 rng) {
        Object[] out = new Object[n];
        if (d instanceof Dimension.Categorical c) {
            int k = c.choices().size();
            double[] p = new double[k];
            Arrays.fill(p, 1.0 / k);
            int[] idx = shuffled(expand(counts(n, p, permutation(k, rng))), rng);
            for (int i = 0; i < n; i++) out[i] = c.choices().get(idx[i]);
            return out;
        }
        int[] stratum = permutation(n, rng);
        for (int i = 0; i < n; i++) out[i] = Dimensions.fromUnit(d, (stratum[i] + rng.nextDouble()) / n);
        return out;
    }

    /** The feasible allocations of the rows of {@code bits}' columns, in row order. */
    static List<BitAllocation> allocations(BitAllocationSpace bits, int n, SplitMix64 rng) {
        int[][] rows = widths(bits, n, rng);
        FeasibleAllocations feasible = new FeasibleAllocations(bits);
        List<BitAllocation> out = new ArrayList<>(n);
        for (int[] row : rows) out.add(feasible.repair(Arrays.stream(row).boxed().toList(), rng));
        return out;
    }

    /** rows[i][l]: the width the design gives layer l in row i, before the repair. */
    static int[][] widths(BitAllocationSpace bits, int n, SplitMix64 rng) {
        int layers = bits.size();
        List<Integer> allowed = bits.allowedBits();
        int k = allowed.size();
        int[][] rows = new int[n][layers];
        int[] sharedTies = bits.nonIncreasing() ? permutation(k, rng) : null;
        int[] bound = null; // index into allowed of each row's previous free layer (nonIncreasing only)
        for (int l = 0; l < layers; l++) {
            if (bits.isPinned(l)) {
                for (int i = 0; i < n; i++) rows[i][l] = bits.pinAt(l).getAsInt();
                continue;
            }
            int[] counts = counts(n, DepthPrior.probabilities(bits, l), sharedTies != null ? sharedTies : permutation(k, rng));
            int[] column = bound == null ? shuffled(expand(counts), rng) : assign(counts, bound, rng);
            for (int i = 0; i < n; i++) rows[i][l] = allowed.get(column[i]);
            if (bits.nonIncreasing()) bound = column;
        }
        return rows;
    }

    /**
     * How often each of the k choices appears among n: ⌊n·p_j⌋, plus one for the choices with the largest
     * remainders, equal remainders in the order of {@code ties} (a permutation of 0..k-1, earlier first).
     */
    static int[] counts(int n, double[] p, int[] ties) {
        int k = p.length;
        int[] counts = new int[k];
        double[] remainder = new double[k];
        int left = n;
        for (int j = 0; j < k; j++) {
            double exact = n * p[j];
            counts[j] = (int) Math.floor(exact);
            remainder[j] = exact - counts[j];
            left -= counts[j];
        }
        Integer[] order = new Integer[k];
        int[] rankInTies = new int[k];
        for (int r = 0; r < k; r++) rankInTies[ties[r]] = r;
        for (int j = 0; j < k; j++) order[j] = j;
        // remainders that differ only by rounding (equal shares) count as equal, so the tie order decides
        Arrays.sort(order, (a, b) -> Math.abs(remainder[a] - remainder[b]) > 1e-9
                ? Double.compare(remainder[b], remainder[a]) : Integer.compare(rankInTies[a], rankInTies[b]));
        for (int r = 0; left > 0; r = (r + 1) % k, left--) counts[order[r]]++;
        return counts;
    }

    /**
     * A column with {@code counts[j]} entries j, assigned to the rows so that row i's entry is at most
     * {@code bound[i]} wherever Hall's condition allows (always if the counts can be matched at all); a row left
     * without one takes the smallest remaining entry (the repair then clamps it to its bound).
     */
    static int[] assign(int[] counts, int[] bound, SplitMix64 rng) {
        int n = bound.length, k = counts.length;
        int[] left = counts.clone();
        Integer[] rows = new Integer[n];
        int[] tie = permutation(n, rng);
        for (int i = 0; i < n; i++) rows[i] = i;
        Arrays.sort(rows, (a, b) -> bound[a] != bound[b] ? Integer.compare(bound[a], bound[b]) : Integer.compare(tie[a], tie[b]));
        int[] out = new int[n];
        for (int pos = 0; pos < n; pos++) {
            int row = rows[pos];
            int total = 0;
            int[] weight = new int[k];
            for (int j = 0; j <= Math.min(bound[row], k - 1); j++) {
                if (left[j] == 0) continue;
                left[j]--;
                if (hall(left, bound, rows, pos + 1)) weight[j] = left[j] + 1;
                left[j]++;
                total += weight[j];
            }
            if (total == 0) // no choice keeps the rest assignable: any within the bound, else the smallest left
                for (int j = 0; j <= Math.min(bound[row], k - 1); j++) { weight[j] = left[j]; total += left[j]; }
            int pick = -1;
            if (total == 0) {
                for (int j = 0; j < k && pick < 0; j++) if (left[j] > 0) pick = j;
            } else {
                int u = rng.nextInt(total);
                for (int j = 0; j < k; j++) {
                    if (u < weight[j]) { pick = j; break; }
                    u -= weight[j];
                }
            }
            left[pick]--;
            out[row] = pick;
        }
        return out;
    }

    /** Hall's condition for the rows {@code rows[from..]}: for every c, entries >= c left <= rows with bound >= c. */
    private static boolean hall(int[] left, int[] bound, Integer[] rows, int from) {
        int k = left.length;
        int entries = 0;
        for (int c = k - 1; c >= 0; c--) {
            entries += left[c];
            int capacity = 0;
            for (int p = from; p < rows.length; p++) if (bound[rows[p]] >= c) capacity++;
            if (entries > capacity) return false;
        }
        return true;
    }

    private static int[] expand(int[] counts) {
        int n = Arrays.stream(counts).sum();
        int[] out = new int[n];
        int i = 0;
        for (int j = 0; j < counts.length; j++) for (int c = 0; c < counts[j]; c++) out[i++] = j;
        return out;
    }

    /** A uniformly random permutation of 0..n-1 (Fisher-Yates). */
    static int[] permutation(int n, SplitMix64 rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        return shuffled(p, rng);
    }

    private static int[] shuffled(int[] a, SplitMix64 rng) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i]; a[i] = a[j]; a[j] = t;
        }
        return a;
    }
}
