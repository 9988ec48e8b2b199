package org.bitsearch.search.pareto;

import org.bitsearch.search.rng.SplitMix64;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/** Oracle tests: front, ranks, crowding and hypervolume against brute force on seeded random inputs. */
class ParetoTest {

    /** Random points on a coarse grid, so that ties and duplicates are frequent. */
    static List<FrontPoint> points(long seed) {
        SplitMix64 rng = new SplitMix64(seed);
        int n = rng.nextInt(40);
        List<FrontPoint> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(new FrontPoint(i, rng.nextInt(11) / 10.0, 1 + rng.nextInt(12) * 100L));
        return out;
    }

    static List<FrontPoint> bruteFront(List<FrontPoint> pts) {
        List<FrontPoint> out = new ArrayList<>();
        for (FrontPoint p : pts) {
            boolean dominated = pts.stream().anyMatch(q -> q.dominates(p));
            boolean duplicateOfSmaller = pts.stream().anyMatch(q -> q.accuracy() == p.accuracy() && q.sizeBits() == p.sizeBits() && q.number() < p.number());
            if (!dominated && !duplicateOfSmaller) out.add(p);
        }
        out.sort(Comparator.comparingLong(FrontPoint::sizeBits));
        return out;
    }

    /** Area by summing over every interval between distinct sizes the best accuracy reachable there. */
    static double bruteHypervolume(List<FrontPoint> pts, double refAcc, double refSize) {
        TreeSet<Double> xs = new TreeSet<>();
        for (FrontPoint p : pts) if (p.sizeBits() < refSize) xs.add((double) p.sizeBits());
        xs.add(refSize);
        List<Double> x = new ArrayList<>(xs);
        double area = 0;
        for (int i = 0; i + 1 < x.size(); i++) {
            double left = x.get(i);
            double height = 0;
            for (FrontPoint p : pts) if (p.sizeBits() <= left) height = Math.max(height, p.accuracy() - refAcc);
            area += (x.get(i + 1) - left) * height;
        }
        return area;
    }

    @RepeatedTest(200)
    void frontMatchesBruteForceAndIncrementalEqualsBatch(RepetitionInfo info) {
        List<FrontPoint> pts = points(info.getCurrentRepetition());
        List<FrontPoint> expected = bruteFront(pts);
        assertEquals(expected, Pareto.front(pts));
        ParetoFront incremental = new ParetoFront();
        for (FrontPoint p : pts) incremental.add(p);
        assertEquals(expected, incremental.points());
        List<FrontPoint> reversed = new ArrayList<>(pts);
        Collections.reverse(reversed);
        ParetoFront other = new ParetoFront();
        for (FrontPoint p : reversed) other.add(p);
        assertEquals(expected, other.points(), "insertion order must not matter");
    }

    @RepeatedTest(200)
    void hypervolumeMatchesBruteForce(RepetitionInfo info) {
        List<FrontPoint> pts = points(1000 + info.getCurrentRepetition());
        double refAcc = info.getCurrentRepetition() % 3 * 0.2;
        double refSize = 1000 + info.getCurrentRepetition() % 5 * 50;
        double expected = bruteHypervolume(pts, refAcc, refSize);
        assertEquals(expected, Hypervolume.raw(pts, refAcc, refSize), 1e-6);
        assertEquals(expected / ((1 - refAcc) * refSize), Hypervolume.normalized(pts, refAcc, refSize), 1e-12);
    }

    @Test void hypervolumeOfKnownPoints() {
        List<FrontPoint> pts = List.of(new FrontPoint(0, 0.5, 100), new FrontPoint(1, 0.8, 300), new FrontPoint(2, 0.4, 200));
        // [100,300) at 0.5 + [300,1000) at 0.8
        assertEquals(200 * 0.5 + 700 * 0.8, Hypervolume.raw(pts, 0, 1000), 1e-9);
        assertEquals((200 * 0.5 + 700 * 0.8) / 1000, Hypervolume.normalized(pts, 0, 1000), 1e-12);
        assertEquals(0, Hypervolume.raw(List.of(), 0, 1000));
        assertThrows(IllegalArgumentException.class, () -> Hypervolume.raw(pts, 0, 0));
    }

    @RepeatedTest(100)
    void ranksMatchBruteForce(RepetitionInfo info) {
        List<FrontPoint> pts = points(5000 + info.getCurrentRepetition());
        int n = pts.size();
        double[] acc = new double[n];
        long[] size = new long[n];
        SplitMix64 rng = new SplitMix64(info.getCurrentRepetition());
        for (int i = 0; i < n; i++) {
            acc[i] = rng.nextInt(10) == 0 ? Double.NaN : pts.get(i).accuracy();
            size[i] = pts.get(i).sizeBits();
        }
        int[] rank = Pareto.ranks(acc, size);
        // brute force: peel off non-dominated layers
        int[] expected = new int[n];
        Arrays.fill(expected, -1);
        int layer = 0, assigned = 0, finite = 0;
        for (double a : acc) if (!Double.isNaN(a)) finite++;
        while (assigned < finite) {
            List<Integer> current = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                if (expected[i] != -1 || Double.isNaN(acc[i])) continue;
                boolean dominated = false;
                for (int j = 0; j < n; j++) {
                    if (j == i || expected[j] != -1 || Double.isNaN(acc[j])) continue;
                    if (acc[j] >= acc[i] && size[j] <= size[i] && (acc[j] > acc[i] || size[j] < size[i])) dominated = true;
                }
                if (!dominated) current.add(i);
            }
            for (int i : current) expected[i] = layer;
            assigned += current.size();
            layer++;
        }
        for (int i = 0; i < n; i++) if (Double.isNaN(acc[i])) expected[i] = layer;
        int maxFinite = -1;
        for (int i = 0; i < n; i++) if (!Double.isNaN(acc[i])) maxFinite = Math.max(maxFinite, expected[i]);
        for (int i = 0; i < n; i++) if (Double.isNaN(acc[i])) expected[i] = maxFinite + 1;
        assertArrayEquals(expected, rank);
    }

    @Test void crowdingDistanceOfAFront() {
        double[] acc = {0.9, 0.8, 0.6, 0.5};
        long[] size = {400, 300, 200, 100};
        int[] rank = Pareto.ranks(acc, size);
        assertArrayEquals(new int[] {0, 0, 0, 0}, rank);
        double[] c = Pareto.crowding(acc, size, rank);
        assertEquals(Double.POSITIVE_INFINITY, c[0]);
        assertEquals(Double.POSITIVE_INFINITY, c[3]);
        assertEquals((400 - 200) / 300.0 + (0.9 - 0.6) / 0.4, c[1], 1e-12);
        assertEquals((300 - 100) / 300.0 + (0.8 - 0.5) / 0.4, c[2], 1e-12);
    }
}
