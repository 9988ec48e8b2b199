package org.bitsearch.search.space;

import org.bitsearch.search.engine.Proposal;
import org.bitsearch.search.engine.SearchEngine;
import org.bitsearch.search.engine.SearchSettings;
import org.bitsearch.search.pruner.PrunerConfig;
import org.bitsearch.search.sampler.SamplerConfig;
import org.bitsearch.search.trial.Candidate;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ranks of factorized layers (Quantization Aware Factorization) as search dimensions, and sizes that count factors. */
class RankSpaceTest {
    static final List<QuantLayer> MLP = Architectures.mlp(784, List.of(256, 128), 10);
    static final List<FactorLayer> FACTORS = List.of(new FactorLayer(0, "dense0", List.of(784L, 256L), 256),
            new FactorLayer(1, "dense1", List.of(256L, 128L), 128));

    static SearchSpace space(List<Double> ratios) {
        BitAllocationSpace bits = new BitAllocationSpace(MLP, List.of(4, 8), false, OptionalInt.empty(), OptionalInt.of(8), Optional.empty());
        return new SearchSpace(List.of(new Dimension.LogFloatRange("learningRate", 1e-4, 1e-2)), bits, new RankSpace(FACTORS, 0.5, ratios));
    }

    @Test
    void rankAndStoredBitsFollowTheFormula() {
        FactorLayer d0 = FACTORS.get(0);
        assertEquals(96, d0.rank(0.5), "floor(0.5 · 200704 / 1040)");
        assertEquals(192, d0.rank(1.0));
        assertEquals(1, new FactorLayer(0, "tiny", List.of(2L, 2L), 0).rank(0.01), "at least rank 1");
        assertEquals(96L * 1040 * 4 + 2 * 32 + 256 * 32, d0.storedBits(96, 4));
        assertEquals(96L * 1040 * 32 + 256 * 32, d0.storedBits(96, 32), "full-precision factors store no scale");
        FactorLayer conv = new FactorLayer(0, "conv0", List.of(16L, 8L, 25L), 16);
        assertEquals(3200, conv.weights());
        assertEquals(6L * 49 * 4 + 3 * 32 + 16 * 32, conv.storedBits(conv.rank(0.1), 4), "CP: R·(out + in + kh·kw) entries, 3 scales");
        assertThrows(IllegalArgumentException.class, () -> d0.rank(0));
        assertThrows(IllegalArgumentException.class, () -> d0.rank(1.5));
    }

    @Test
    void sizeOfACandidateCountsItsFactorsAtItsRanks() {
        SearchSpace s = space(List.of(0.25, 0.5));
        Candidate c = new Candidate(Map.of("learningRate", 1e-3, "rank.dense0", 0.25, "rank.dense1", 0.5), BitAllocation.of(4, 8, 8));
        long expected = FACTORS.get(0).storedBits(48, 4) + FACTORS.get(1).storedBits(42, 8) + MLP.get(2).storedBits(8);
        assertEquals(expected, s.sizeBits(c.bits(), c.params()));
        // without a rank parameter the default ratio (0.5) applies
        Candidate d = new Candidate(Map.of(), BitAllocation.of(4, 8, 8));
        assertEquals(FACTORS.get(0).storedBits(96, 4) + FACTORS.get(1).storedBits(42, 8) + MLP.get(2).storedBits(8), s.sizeBits(d.bits(), d.params()));
        // no factorization: the plain size
        SearchSpace plain = new SearchSpace(List.of(), s.bits());
        assertEquals(s.bits().sizeBits(d.bits()), plain.sizeBits(d.bits(), d.params()));
    }

    @Test
    void searchedRanksAreDimensionsThatEverySeedDrawsTheSame() {
        SearchSpace s = space(List.of(0.125, 0.25, 0.5));
        assertEquals(List.of("learningRate", "rank.dense0", "rank.dense1"), s.dimensions().stream().map(Dimension::name).toList());
        for (SamplerConfig sampler : List.of(new SamplerConfig.Random(), new SamplerConfig.Tpe(4, 8, 0.25), new SamplerConfig.Nsga2(4, 0.2, 0.9))) {
            List<Proposal> a = proposals(s, sampler, 11), b = proposals(s, sampler, 11);
            assertEquals(a, b, sampler + ": same seed, same proposals, ranks included");
            for (Proposal p : a) {
                Object r0 = p.candidate().params().get("rank.dense0");
                assertTrue(List.of(0.125, 0.25, 0.5).contains(r0), sampler + " draws an allowed ratio: " + p.candidate());
                assertEquals(s.sizeBits(p.candidate().bits(), p.candidate().params()), p.sizeBits(), "the proposal's size counts its factors");
            }
            assertTrue(a.stream().map(p -> p.candidate().params().get("rank.dense0")).distinct().count() > 1, sampler + " varies the rank");
        }
    }

    private static List<Proposal> proposals(SearchSpace s, SamplerConfig sampler, long seed) {
        SearchEngine e = new SearchEngine(SearchSettings.of(s, sampler, new PrunerConfig.None(), seed, 4, 4, 1));
        List<Proposal> out = new ArrayList<>();
        for (int i = 0; i < 4; i++) e.ask().ifPresent(out::add);
        return out;
    }

    @Test
    void badRankSpacesAreRefusedByName() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new RankSpace(List.of(), 0.5, List.of(0.5)))
                .getMessage().startsWith("space.ranks is given, but the trainer factorizes no layer"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new RankSpace(FACTORS, 0.5, List.of(0.0)))
                .getMessage().startsWith("space.ranks.allowed contains 0.0, but every ratio must be in (0, 1]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new FactorLayer(0, "x", List.of(3L), 0))
                .getMessage().contains("at least 2 modes"));
    }
}
