package org.bitsearch.search.space;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.bitsearch.search.rng.SplitMix64;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.*;

/** Constructive sampling and repair never leave the feasible set; enumeration equals brute force. */
class FeasibleAllocationsProperties {

    /** Random small spaces with random constraints and a budget between the smallest and the largest model. */
    @Provide
    static Arbitrary<BitAllocationSpace> spaces() {
        Arbitrary<List<Long>> weights = Arbitraries.longs().between(1, 5000).list().ofMinSize(1).ofMaxSize(6);
        Arbitrary<List<Integer>> allowed = Arbitraries.of(BitAllocation.SUPPORTED).set().ofMinSize(1).ofMaxSize(5).map(ArrayList::new);
        Arbitrary<Integer> pin = Arbitraries.of(0, 1, 2, 4, 8, 32); // 0 = no pin
        return Combinators.combine(weights, allowed, Arbitraries.of(true, false), pin, pin, Arbitraries.doubles().between(-0.2, 1.0))
                .as((w, a, ni, first, last, budgetFraction) -> {
                    List<QuantLayer> layers = new ArrayList<>();
                    for (int i = 0; i < w.size(); i++) layers.add(new QuantLayer(i, "l" + i, w.get(i), i % 3));
                    if (w.size() == 1 && first != 0 && last != 0) last = first;
                    OptionalInt pf = first == 0 ? OptionalInt.empty() : OptionalInt.of(first);
                    OptionalInt pl = last == 0 ? OptionalInt.empty() : OptionalInt.of(last);
                    BitAllocationSpace free = new BitAllocationSpace(layers, a, ni, pf, pl, Optional.empty());
                    if (budgetFraction < 0) return free;
                    long min = free.smallestSizeBits(), max = free.fp32Bits();
                    long budget = min + (long) (budgetFraction * (max - min));
                    return new BitAllocationSpace(layers, a, ni, pf, pl, Optional.of(budget));
                });
    }

    @Property(tries = 300)
    void samplesAreAlwaysFeasible(@ForAll("spaces") BitAllocationSpace space, @ForAll long seed) {
        FeasibleAllocations f = new FeasibleAllocations(space);
        SplitMix64 rng = new SplitMix64(seed);
        for (int i = 0; i < 30; i++) {
            BitAllocation a = f.sample(rng);
            assertEquals(Optional.empty(), space.violation(a), () -> space + " sampled " + a);
        }
    }

    @Property(tries = 300)
    void repairAlwaysGivesFeasible(@ForAll("spaces") BitAllocationSpace space, @ForAll long seed) {
        FeasibleAllocations f = new FeasibleAllocations(space);
        SplitMix64 rng = new SplitMix64(seed);
        for (int i = 0; i < 30; i++) {
            List<Integer> any = new ArrayList<>();
            for (int l = 0; l < space.size(); l++) any.add(BitAllocation.SUPPORTED.get(rng.nextInt(BitAllocation.SUPPORTED.size())));
            BitAllocation a = f.repair(any, rng);
            assertEquals(Optional.empty(), space.violation(a), () -> space + " repaired " + any + " to " + a);
        }
    }

    @Property(tries = 150)
    void repairKeepsFeasibleAllocations(@ForAll("spaces") BitAllocationSpace space, @ForAll long seed) {
        FeasibleAllocations f = new FeasibleAllocations(space);
        SplitMix64 rng = new SplitMix64(seed);
        BitAllocation a = f.sample(rng);
        assertEquals(a, f.repair(a.bits(), rng));
    }

    @Property(tries = 150)
    void enumerationEqualsBruteForce(@ForAll("spaces") BitAllocationSpace space) {
        List<BitAllocation> brute = new ArrayList<>();
        bruteForce(space, new ArrayList<>(), brute);
        assertEquals(brute, new FeasibleAllocations(space).enumerate(1_000_000));
    }

    private static void bruteForce(BitAllocationSpace space, List<Integer> prefix, List<BitAllocation> out) {
        if (prefix.size() == space.size()) {
            BitAllocation a = new BitAllocation(prefix);
            if (space.isFeasible(a)) out.add(a);
            return;
        }
        List<Integer> options = new ArrayList<>(space.allowedBits());
        OptionalInt pin = space.pinAt(prefix.size());
        if (pin.isPresent()) options = List.of(pin.getAsInt());
        for (int b : options) {
            prefix.add(b);
            bruteForce(space, prefix, out);
            prefix.remove(prefix.size() - 1);
        }
    }
}
