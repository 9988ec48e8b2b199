package org.bitsearch.search.pareto;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The incrementally maintained non-dominated set of (accuracy up, size down). Points are kept in a map by size;
 * along increasing size the accuracy strictly increases. {@link #add} costs O(log n + removed). Of several
 * identical points (same accuracy and size) only the one with the smallest trial number is kept, so the front
 * is the same whatever the insertion order, and equals {@link Pareto#front}. Not thread-safe.
 */
public final class ParetoFront {
    private final TreeMap<Long, FrontPoint> bySize = new TreeMap<>();

    /**
     * Inserts {@code p} if no point dominates it, removing the points it dominates.
     *
     * @return true if the front changed
     */
    public boolean add(FrontPoint p) {
        Map.Entry<Long, FrontPoint> floor = bySize.floorEntry(p.sizeBits());
        if (floor != null) {
            FrontPoint q = floor.getValue();
            if (q.accuracy() > p.accuracy()) return false;
            if (q.accuracy() == p.accuracy()) {
                if (q.sizeBits() < p.sizeBits()) return false;
                if (q.number() <= p.number()) return false; // identical point: keep the smaller number
            }
        }
        Iterator<FrontPoint> tail = bySize.tailMap(p.sizeBits(), true).values().iterator();
        while (tail.hasNext()) {
            FrontPoint q = tail.next();
            if (q.accuracy() > p.accuracy()) break;
            tail.remove();
        }
        bySize.put(p.sizeBits(), p);
        return true;
    }

    /** The points sorted by size (ascending), hence by accuracy (ascending). */
    public List<FrontPoint> points() { return List.copyOf(new ArrayList<>(bySize.values())); }

    public int size() { return bySize.size(); }
}
