package org.bitsearch.search.space;

import org.bitsearch.search.rng.SplitMix64;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.*;

class BitAllocationSpaceTest {
    static final List<QuantLayer> MLP = Architectures.mlp(784, List.of(256, 128), 10);

    static BitAllocationSpace space(List<Integer> allowed, boolean nonIncreasing, Integer first, Integer last, Long budget) {
        return new BitAllocationSpace(MLP, allowed, nonIncreasing,
                first == null ? OptionalInt.empty() : OptionalInt.of(first),
                last == null ? OptionalInt.empty() : OptionalInt.of(last), Optional.ofNullable(budget));
    }

    static void assertMessage(Runnable r, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        for (String p : parts) assertTrue(e.getMessage().contains(p), () -> "message '" + e.getMessage() + "' lacks '" + p + "'");
    }

    @Test void mlpLayersAreExact() {
        assertEquals(List.of(new QuantLayer(0, "dense0", 784 * 256, 256), new QuantLayer(1, "dense1", 256 * 128, 128),
                new QuantLayer(2, "dense2", 128 * 10, 10)), MLP);
        assertEquals(List.of(new QuantLayer(0, "dense0", 30, 10)), Architectures.mlp(3, List.of(), 10));
        assertMessage(() -> Architectures.mlp(0, List.of(), 1), "inputs is 0", ">= 1");
        assertMessage(() -> Architectures.mlp(1, List.of(4, -2), 1), "hidden[1] is -2", ">= 1");
    }

    @Test void sizesAreExact() {
        BitAllocationSpace s = space(BitAllocationSpace.DEFAULT_BITS, false, 8, 8, null);
        long biases = 32L * (256 + 128 + 10);
        long scales = 32L * 3; // one float32 scale per quantized tensor
        assertEquals(784L * 256 * 8 + 256L * 128 * 1 + 128L * 10 * 8 + scales + biases, s.smallestSizeBits());
        assertEquals(32L * (784 * 256 + 256 * 128 + 128 * 10) + biases, s.fp32Bits(), "no scales at 32 bits");
        assertEquals(784L * 256 * 4 + 256L * 128 * 2 + 128L * 10 * 8 + scales + biases, s.sizeBits(BitAllocation.of(4, 2, 8)));
        assertEquals(784L * 256 * 4 + 256L * 128 * 32 + 128L * 10 * 8 + 32L * 2 + biases, ModelSize.of(MLP, BitAllocation.of(4, 32, 8)).bits(),
                "a layer left at 32 bits stores no scale");
    }

    @Test void perChannelScalesCountOnePerOutputChannel() {
        List<QuantLayer> perChannel = MLP.stream().map(l -> l.perChannel(l.biases())).toList();
        long biases = 32L * (256 + 128 + 10);
        assertEquals(784L * 256 * 4 + 256L * 128 * 2 + 128L * 10 * 8 + 32L * (256 + 128 + 10) + biases,
                ModelSize.of(perChannel, BitAllocation.of(4, 2, 8)).bits());
        assertEquals(ModelSize.of(MLP, BitAllocation.uniform(3, 32)), ModelSize.of(perChannel, BitAllocation.uniform(3, 32)));
        assertMessage(() -> new QuantLayer(0, "a", 4, 1, 5), "layer a: scales is 5", "1..4");
        assertMessage(() -> new QuantLayer(0, "a", 4, 1, 0), "layer a: scales is 0", "1..4");
    }

    @Test void aTinyLayerCanBeCheaperAtThirtyTwoBitsAndTheSamplerStaysWithinBudget() {
        // 2 weights, per-channel scales for both: 1 bit costs 2 + 2*32 = 66, 8 bits 2*8 + 2*32 = 80, 32 bits 64
        List<QuantLayer> layers = List.of(new QuantLayer(0, "big", 100, 0), new QuantLayer(1, "tiny", 2, 0, 2));
        BitAllocationSpace budget = new BitAllocationSpace(layers, List.of(1, 8, 32), false, OptionalInt.empty(), OptionalInt.empty(),
                Optional.of(100L + 32 + 66)); // all at 1 bit (198) fits, (1, 32) is 196, (1, 8) is 212
        FeasibleAllocations f = new FeasibleAllocations(budget);
        List<BitAllocation> all = f.enumerate(100);
        assertEquals(List.of(BitAllocation.of(1, 1), BitAllocation.of(1, 32)), all);
        for (BitAllocation a : all) assertTrue(budget.isFeasible(a), a.toString());
        SplitMix64 rng = new SplitMix64(3);
        for (int i = 0; i < 200; i++) assertTrue(budget.isFeasible(f.sample(rng)));
    }

    @Test void violationsNameTheRule() {
        BitAllocationSpace s = space(List.of(1, 2, 4, 8), true, 8, null, null);
        assertTrue(s.isFeasible(BitAllocation.of(8, 4, 2)));
        assertTrue(s.isFeasible(BitAllocation.of(8, 1, 1)));
        assertTrue(s.violation(BitAllocation.of(4, 4, 2)).orElseThrow().contains("bits[0] is 4, but must be one of [8] (pinned)"));
        assertTrue(s.violation(BitAllocation.of(8, 2, 4)).orElseThrow().contains("bits[2] is 4, but must be <= 2"));
        assertTrue(s.violation(BitAllocation.of(8, 32, 4)).orElseThrow().contains("bits[1] is 32"));
        assertTrue(s.violation(BitAllocation.of(8, 2)).orElseThrow().contains("bits has 2 entries, but the model has 3"));
        BitAllocationSpace budget = space(List.of(1, 2, 4, 8), false, null, null, 1_000_000L);
        assertTrue(budget.violation(BitAllocation.of(8, 8, 8)).orElseThrow().contains("must be <= bits.maxSizeBits (1000000)"));
    }

    @Test void pinnedLayersAreExemptFromNonIncreasing() {
        BitAllocationSpace s = space(List.of(1, 2), true, 1, 32, null);
        assertTrue(s.isFeasible(BitAllocation.of(1, 2, 32)));
        assertTrue(s.isFeasible(BitAllocation.of(1, 1, 32)));
    }

    @Test void badSettingsThrowNamingFieldValueAndRule() {
        assertMessage(() -> space(List.of(), false, null, null, null), "bits.allowed is empty", "at least one");
        assertMessage(() -> space(List.of(1, 16), false, null, null, null), "bits.allowed contains 16", "must be one of");
        assertMessage(() -> space(List.of(0, 4), false, null, null, null), "bits.allowed contains 0", "must be one of");
        assertMessage(() -> space(List.of(1, 2), false, 12, null, null), "bits.pinFirst is 12", "must be one of");
        assertMessage(() -> space(List.of(1, 2), false, null, 64, null), "bits.pinLast is 64", "must be one of");
        assertMessage(() -> space(List.of(1, 2), false, null, null, 0L), "bits.maxSizeBits is 0", "must be > 0");
        long smallest = space(List.of(2, 4), false, 8, 8, null).smallestSizeBits();
        assertMessage(() -> space(List.of(2, 4), false, 8, 8, smallest - 1), "bits.maxSizeBits is " + (smallest - 1),
                "must be >= " + smallest + " bits, the smallest model");
        assertDoesNotThrow(() -> space(List.of(2, 4), false, 8, 8, smallest));
        assertMessage(() -> new BitAllocationSpace(List.of(new QuantLayer(0, "a", 4, 1)), List.of(1), false,
                OptionalInt.of(8), OptionalInt.of(4), Optional.empty()), "bits.pinFirst is 8 and bits.pinLast is 4", "must be equal");
        assertMessage(() -> new BitAllocationSpace(List.of(new QuantLayer(1, "a", 4, 1)), List.of(1), false,
                OptionalInt.empty(), OptionalInt.empty(), Optional.empty()), "layers[0] (a) has index 1", "must have index 0");
        assertMessage(() -> new BitAllocationSpace(List.of(new QuantLayer(0, "a", 4, 1), new QuantLayer(1, "a", 4, 1)), List.of(1), false,
                OptionalInt.empty(), OptionalInt.empty(), Optional.empty()), "layers[1] is named 'a'", "distinct");
        assertMessage(() -> new BitAllocationSpace(List.of(), List.of(1), false, OptionalInt.empty(), OptionalInt.empty(), Optional.empty()),
                "layers is empty");
    }

    @Test void dimensionsRejectBadSettings() {
        assertMessage(() -> new Dimension.Categorical("act", List.of()), "act.choices is empty");
        assertMessage(() -> new Dimension.Categorical("act", List.of("a", "a")), "duplicates");
        assertMessage(() -> new Dimension.IntRange("width", 5, 2), "width: low is 5 and high is 2", "low must be <= high");
        assertMessage(() -> new Dimension.FloatRange("p", 1, 0), "p: low is 1.0 and high is 0.0");
        assertMessage(() -> new Dimension.LogFloatRange("lr", 0, 1), "lr: low is 0.0", "0 < low");
        assertMessage(() -> new Dimension.IntRange("bits", 1, 2), "'bits' is reserved");
    }

    @Test void gridValuesAreStable() {
        assertEquals(List.of(1L, 2L, 3L), Dimensions.grid(new Dimension.IntRange("n", 1, 3), 5));
        assertEquals(List.of(0L, 5L, 10L), Dimensions.grid(new Dimension.IntRange("n", 0, 10), 3));
        assertEquals(List.of(0.0, 0.5, 1.0), Dimensions.grid(new Dimension.FloatRange("p", 0, 1), 3));
        List<Object> lr = Dimensions.grid(new Dimension.LogFloatRange("lr", 1e-4, 1e-2), 3);
        assertEquals(1e-4, (Double) lr.get(0), 1e-18);
        assertEquals(1e-3, (Double) lr.get(1), 1e-15);
        assertEquals(1e-2, (Double) lr.get(2), 1e-15);
        assertEquals(List.of(0.5), Dimensions.grid(new Dimension.FloatRange("p", 0, 1), 1));
    }
}
