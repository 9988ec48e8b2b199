package org.bitsearch.search.pareto;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Batch Pareto computations in the (accuracy up, size down) plane: the front in O(n log n), non-dominated
 * sorting and crowding distance (Deb, Pratap, Agarwal and Meyarivan, "A fast and elitist multiobjective genetic
 * algorithm: NSGA-II", IEEE TEVC 2002), specialised to two objectives: sorting takes O(n log n) instead of
 * O(M n²). A NaN accuracy counts as worse than every number. All functions are pure.
 */
public final class Pareto {
    private Pareto() {}

    /**
     * The non-dominated points sorted by size; of identical points the smallest trial number is kept.
     * Equal to what {@link ParetoFront} holds after adding the same points in any order.
     */
    public static List<FrontPoint> front(List<FrontPoint> points) {
        List<FrontPoint> sorted = new ArrayList<>(points);
        sorted.sort(Comparator.comparingLong(FrontPoint::sizeBits)
                .thenComparing(Comparator.comparingDouble(FrontPoint::accuracy).reversed())
                .thenComparingInt(FrontPoint::number));
        List<FrontPoint> out = new ArrayList<>();
        double best = Double.NEGATIVE_INFINITY;
        for (FrontPoint p : sorted) {
            if (p.accuracy() > best) {
                out.add(p);
                best = p.accuracy();
            }
        }
        return List.copyOf(out);
    }

    /**
     * Non-dominated sorting of points given as parallel arrays: {@code rank[i]} = 0 for the non-dominated
     * points, 1 for those dominated only by rank-0 points, and so on. Identical points share a rank. NaN
     * accuracies get the rank after every other.
     */
    public static int[] ranks(double[] accuracy, long[] size) {
        int n = accuracy.length;
        if (size.length != n) throw new IllegalArgumentException("accuracy has " + n + " entries, but size has " + size.length);
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> {
            int c = Long.compare(size[a], size[b]);
            if (c != 0) return c;
            return Double.compare(key(accuracy[b]), key(accuracy[a]));
        });
        int[] rank = new int[n];
        double[] sortedAccuracy = new double[n];
        long[] sortedSize = new long[n];
        int finite = 0;
        for (int idx : order) {
            if (Double.isNaN(accuracy[idx])) continue;
            sortedAccuracy[finite] = accuracy[idx];
            sortedSize[finite] = size[idx];
            finite++;
        }
        int[] sortedRank = new int[finite];
        int fronts = ranksOfSorted(sortedAccuracy, sortedSize, finite, sortedRank);
        int k = 0;
        for (int idx : order) rank[idx] = Double.isNaN(accuracy[idx]) ? fronts : sortedRank[k++];
        return rank;
    }

    /**
     * The sweep behind {@link #ranks}: the first {@code n} points, finite and already sorted by (size up, accuracy
     * down), get their non-dominated rank in {@code rank}; identical neighbours share a rank. Each point goes to
     * the first front whose best accuracy so far is below its own (every point seen before is no larger), found by
     * binary search, so the sweep costs O(n log f) for f fronts. Callers that keep their points sorted (the
     * Pareto-aware ASHA rungs) call it directly instead of sorting again.
     *
     * @return the number of fronts
     */
    public static int ranksOfSorted(double[] accuracy, long[] size, int n, int[] rank) {
        double[] frontBest = new double[n]; // best accuracy of each front so far, non-increasing in the front index
        int fronts = 0;
        for (int i = 0; i < n; i++) {
            if (i > 0 && size[i] == size[i - 1] && accuracy[i] == accuracy[i - 1]) { rank[i] = rank[i - 1]; continue; }
            int lo = 0, hi = fronts;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (frontBest[mid] < accuracy[i]) hi = mid; else lo = mid + 1;
            }
            if (lo == fronts) fronts++;
            frontBest[lo] = accuracy[i];
            rank[i] = lo;
        }
        return fronts;
    }

    private static double key(double accuracy) { return Double.isNaN(accuracy) ? Double.NEGATIVE_INFINITY : accuracy; }

    /**
     * Crowding distance of every point within its front (Deb et al. 2002, §III-B): per objective, the normalised
     * gap between the two neighbours along that objective; the extreme points of a front get +∞.
     */
    public static double[] crowding(double[] accuracy, long[] size, int[] rank) {
        int n = accuracy.length;
        double[] distance = new double[n];
        int maxRank = 0;
        for (int r : rank) maxRank = Math.max(maxRank, r);
        List<List<Integer>> fronts = new ArrayList<>();
        for (int r = 0; r <= maxRank; r++) fronts.add(new ArrayList<>());
        for (int i = 0; i < n; i++) fronts.get(rank[i]).add(i);
        for (List<Integer> front : fronts) {
            if (front.isEmpty()) continue;
            accumulate(front, distance, i -> (double) size[i]);
            accumulate(front, distance, i -> key(accuracy[i]));
        }
        return distance;
    }

    private interface Objective { double of(int i); }

    private static void accumulate(List<Integer> front, double[] distance, Objective f) {
        List<Integer> sorted = new ArrayList<>(front);
        sorted.sort(Comparator.<Integer>comparingDouble(f::of).thenComparingInt(i -> i));
        int m = sorted.size();
        double lo = f.of(sorted.get(0)), hi = f.of(sorted.get(m - 1));
        distance[sorted.get(0)] = Double.POSITIVE_INFINITY;
        distance[sorted.get(m - 1)] = Double.POSITIVE_INFINITY;
        if (hi == lo || !Double.isFinite(hi - lo)) return;
        for (int k = 1; k < m - 1; k++) {
            int i = sorted.get(k);
            distance[i] += (f.of(sorted.get(k + 1)) - f.of(sorted.get(k - 1))) / (hi - lo);
        }
    }

    /**
     * The indices of all points sorted best first: by non-dominated rank, then by crowding distance (larger
     * first), then by {@code tieBreak} (smaller first; e.g. the order the points were recorded in).
     */
    public static Integer[] order(double[] accuracy, long[] size, long[] tieBreak) {
        int[] rank = ranks(accuracy, size);
        double[] crowd = crowding(accuracy, size, rank);
        Integer[] order = new Integer[accuracy.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> {
            if (rank[a] != rank[b]) return Integer.compare(rank[a], rank[b]);
            int c = Double.compare(crowd[b], crowd[a]);
            if (c != 0) return c;
            return Long.compare(tieBreak[a], tieBreak[b]);
        });
        return order;
    }
}
