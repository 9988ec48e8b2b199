package org.bitsearch.trainers.dl4j;

import org.bitsearch.trainers.dl4j.quant.Quantizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Random;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QuantizerTest {
    private static float[] gaussian(int n, long seed) {
        Random r = new Random(seed);
        float[] w = new float[n];
        for (int i = 0; i < n; i++) w[i] = (float) (r.nextGaussian() * 0.05);
        return w;
    }

    private static TreeSet<Float> levels(float[] q) {
        TreeSet<Float> s = new TreeSet<>();
        for (float v : q) s.add(v);
        return s;
    }

    @ParameterizedTest @ValueSource(ints = {3, 4, 5, 6, 7, 8})
    void uniformUsesAtMost2kMinus1SymmetricLevelsOnTheGrid(int bits) {
        Random r = new Random(bits);
        float[] w = new float[20_000];
        for (int i = 0; i < w.length; i++) w[i] = r.nextFloat() * 2 - 1;
        float[] q = Quantizer.quantize(w, 1, bits);
        TreeSet<Float> lv = levels(q);
        assertTrue(lv.size() <= (1 << bits) - 1, "levels " + lv.size());
        assertEquals((1 << bits) - 1, lv.size(), "20k uniform weights fill every level");
        double max = 0;
        for (float v : w) max = Math.max(max, Math.abs(v));
        double s = max / Quantizer.maxLevel(bits);
        for (float v : q) {
            double level = v / s;
            assertEquals(Math.rint(level), level, 1e-3, "on the grid k·s");
        }
        assertEquals((float) max, lv.last(), 1e-6f, "the largest weight is representable");
        for (int i = 0; i < w.length; i++) assertTrue(Math.abs(q[i] - w[i]) <= s / 2 + 1e-7, "error at most s/2");
    }

    @ParameterizedTest @ValueSource(ints = {1, 2, 3, 4, 8, 32})
    void quantizersAreIdempotent(int bits) {
        float[] q = Quantizer.quantize(gaussian(5000, 3), 1, bits);
        float[] qq = Quantizer.quantize(q, 1, bits);
        for (int i = 0; i < q.length; i++) assertEquals(q[i], qq[i], Math.abs(q[i]) * 1e-6 + 1e-9, "Q(Q(W)) = Q(W) at " + i);
    }

    @ParameterizedTest @ValueSource(ints = {2, 3, 4, 8})
    void quantizersAreOddFunctions(int bits) {
        float[] w = gaussian(3000, 11);
        float[] neg = new float[w.length];
        for (int i = 0; i < w.length; i++) neg[i] = -w[i];
        float[] q = Quantizer.quantize(w, 1, bits), qn = Quantizer.quantize(neg, 1, bits);
        for (int i = 0; i < w.length; i++) assertEquals(-q[i], qn[i], 0f, "Q(-W) = -Q(W) at " + i);
    }

    @Test
    void binaryIsSignTimesMeanAbs() {
        float[] w = {0.5f, -0.25f, 0.0f, -1.25f};
        float[] q = Quantizer.quantize(w, 1, 1);
        float m = (0.5f + 0.25f + 0f + 1.25f) / 4;
        assertArrayEquals(new float[]{m, -m, m, -m}, q, 1e-7f);
        assertEquals(2, levels(Quantizer.quantize(gaussian(1000, 5), 1, 1)).size());
    }

    @Test
    void ternaryUsesTheTwnThresholdAndScale() {
        float[] w = {1.0f, -0.9f, 0.1f, -0.05f, 0.5f, 0.0f};
        double mean = (1.0 + 0.9 + 0.1 + 0.05 + 0.5 + 0) / 6; // 0.425
        double delta = 0.7 * mean;                              // 0.2975: keeps 1.0, -0.9, 0.5
        float alpha = (float) ((1.0 + 0.9 + 0.5) / 3);
        assertTrue(delta > 0.1 && delta < 0.5);
        assertArrayEquals(new float[]{alpha, -alpha, 0, 0, alpha, 0}, Quantizer.quantize(w, 1, 2), 1e-6f);
        assertTrue(levels(Quantizer.quantize(gaussian(1000, 5), 1, 2)).size() <= 3);
    }

    @Test
    void perChannelScalesEachBlockOnItsOwn() {
        float[] w = {1f, 0.5f, -0.25f, 0.1f, /* channel 2, 100x smaller */ 0.01f, 0.005f, -0.0025f, 0.001f};
        float[] q = Quantizer.quantize(w, 2, 4);
        float[] first = Quantizer.quantize(new float[]{1f, 0.5f, -0.25f, 0.1f}, 1, 4);
        float[] second = Quantizer.quantize(new float[]{0.01f, 0.005f, -0.0025f, 0.001f}, 1, 4);
        for (int i = 0; i < 4; i++) {
            assertEquals(first[i], q[i], 0f);
            assertEquals(second[i], q[4 + i], 0f);
        }
        assertTrue(Quantizer.quantize(w, 1, 4)[7] == 0f, "per-tensor flushes the small channel's smallest weight to 0");
        assertTrue(q[7] != 0f, "per-channel keeps it");
        float[] bin = Quantizer.quantize(w, 2, 1);
        assertEquals((1 + 0.5 + 0.25 + 0.1) / 4, bin[0], 1e-6);
        assertEquals((0.01 + 0.005 + 0.0025 + 0.001) / 4, bin[4], 1e-7);
    }

    @Test
    void allZeroWeightsStayZero() {
        for (int bits : new int[]{1, 2, 4, 8}) assertArrayEquals(new float[4], Quantizer.quantize(new float[4], 1, bits));
    }

    @Test
    void rejectsBadArguments() {
        assertThrows(IllegalArgumentException.class, () -> Quantizer.quantize(new float[4], 1, 9));
        assertThrows(IllegalArgumentException.class, () -> Quantizer.quantize(new float[4], 1, 0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Quantizer.quantize(new float[5], 2, 4));
        assertTrue(e.getMessage().contains("multiple of channels"), e.getMessage());
    }

    @Test
    void levelsTimesScalesAreExactlyTheQuantizedWeights() {
        java.util.SplittableRandom r = new java.util.SplittableRandom(7);
        for (int bits = 1; bits <= 8; bits++)
            for (int channels : new int[] {1, 4}) {
                float[] w = new float[4 * 1031];
                for (int i = 0; i < w.length; i++) w[i] = (float) (r.nextGaussian() * 0.1);
                w[5] = 0f;
                w[6] = -0f;
                float[] q = org.bitsearch.trainers.dl4j.quant.Quantizer.quantize(w, channels, bits);
                var l = org.bitsearch.trainers.dl4j.quant.Quantizer.levels(w, channels, bits);
                int block = w.length / channels;
                for (int i = 0; i < w.length; i++)
                    org.junit.jupiter.api.Assertions.assertEquals(q[i], (float) (l.levels()[i] * l.scales()[i / block]), 0f,
                            bits + " bits, " + channels + " channel(s), weight " + i);
            }
    }

    @Test
    void uniformWithAGivenMaximumIsBitIdenticalToQuantizeAndRecomputesANanMaximum() {
        Random rng = new Random(5);
        float[] w = new float[3 * 40];
        for (int i = 0; i < w.length; i++) w[i] = (float) rng.nextGaussian() * (1 + i / 40);
        for (int bits = 3; bits <= 8; bits++)
            for (int channels : new int[]{1, 3}) {
                int block = w.length / channels;
                float[] max = new float[channels];
                for (int c = 0; c < channels; c++)
                    for (int i = c * block; i < (c + 1) * block; i++) max[c] = Math.max(max[c], Math.abs(w[i]));
                if (channels == 3) max[1] = Float.NaN; // recomputed, as quantize computes it
                float[] expected = new float[w.length], actual = new float[w.length];
                Quantizer.quantize(w, expected, 0, w.length, channels, bits);
                Quantizer.quantizeUniform(w, actual, 0, w.length, channels, bits, max);
                assertArrayEquals(expected, actual, bits + " bits, " + channels + " channel(s)");
            }
        assertEquals("bits is 2, but the uniform grid is for 3..8", assertThrows(IllegalArgumentException.class,
                () -> Quantizer.quantizeUniform(w, new float[w.length], 0, w.length, 1, 2, new float[1])).getMessage());
        assertEquals("maxAbs has 1 values, but must have one per channel (3)", assertThrows(IllegalArgumentException.class,
                () -> Quantizer.quantizeUniform(w, new float[w.length], 0, w.length, 3, 4, new float[1])).getMessage());
    }

    /** The fast step quantizes a chunk at a time (scales, then apply): it must write exactly quantize's values. */
    @Test
    void scalesAppliedChunkByChunkAreBitIdenticalToQuantize() {
        Random rng = new Random(17);
        // 3 × 7,000 values (a range from 7: full 256-value lanes, 16,384-value groups, tails, blocks that do not start
        // on a lane boundary) with 100 zeros; a subnormal tensor (the plain ternary loop); an all-zero one
        float[] w = new float[3 * 7000];
        for (int i = 0; i < w.length; i++) w[i] = (float) rng.nextGaussian() * 0.05f * (1 + i / 7000);
        for (int i = 7000; i < 7100; i++) w[i] = 0f;
        float[] tiny = new float[600];
        for (int i = 0; i < tiny.length; i++) tiny[i] = (float) rng.nextGaussian() * 1e-40f;
        for (float[] x : new float[][]{w, tiny, new float[512]})
            for (int bits = 1; bits <= 8; bits++)
                for (int channels : new int[]{1, 3}) {
                    int from = x == w ? 7 : 0, to = from + (x.length - from) / channels * channels;
                    float[] expected = new float[x.length];
                    Quantizer.quantize(x, expected, from, to, channels, bits);
                    Quantizer.Scales s = Quantizer.scales(x, from, to, channels, bits);
                    float[] buf = new float[700];
                    for (int p = 0; p < to - from; ) {
                        int n = Math.min(to - from - p, 1 + rng.nextInt(600));
                        System.arraycopy(x, from + p, buf, 5, n);
                        Quantizer.apply(s, buf, 5, n, p);
                        for (int i = 0; i < n; i++)
                            assertEquals(Float.floatToIntBits(expected[from + p + i]), Float.floatToIntBits(buf[5 + i]),
                                    bits + " bits, " + channels + " channel(s), position " + (p + i));
                        p += n;
                    }
                }
        Quantizer.Scales s = Quantizer.scales(w, 0, 300, 1, 2);
        assertEquals("piece of 10 values at 0 (tensor position 295) does not fit an array of 10 and a tensor of 300",
                assertThrows(IllegalArgumentException.class, () -> Quantizer.apply(s, new float[10], 0, 10, 295)).getMessage());
        assertEquals("bits is 32, but scales exist for 1..8",
                assertThrows(IllegalArgumentException.class, () -> Quantizer.scales(w, 0, 300, 1, 32)).getMessage());
    }

    /** The vectorised reductions against plain double loops: Σ|W| and max|W| (exact), ternary's α. */
    @Test
    void reductionsAgreeWithPlainLoops() {
        Random rng = new Random(23);
        for (int n : new int[]{1, 255, 256, 257, 16384, 16385, 70_000}) {
            float[] w = new float[n];
            for (int i = 0; i < n; i++) w[i] = (float) rng.nextGaussian();
            double sum = 0;
            float max = 0;
            for (float v : w) { sum += Math.abs(v); max = Math.max(max, Math.abs(v)); }
            float[] bin = Quantizer.quantize(w, 1, 1);
            assertEquals(sum / n, Math.abs(bin[0]), 1e-6 * sum / n, "mean|W| of " + n);
            float[] q8 = Quantizer.quantize(w, 1, 8);
            float top = 0;
            for (float v : q8) top = Math.max(top, Math.abs(v));
            assertEquals(max, top, max * 1e-6f, "max|W| is a level of the 8-bit grid, " + n + " values");
            float delta = (float) (0.7 * sum / n);
            double kept = 0;
            int count = 0;
            for (float v : w) if (Math.abs(v) > delta) { kept += Math.abs(v); count++; }
            float[] t = Quantizer.quantize(w, 1, 2);
            float alpha = 0;
            int nonzero = 0;
            for (float v : t) if (v != 0) { alpha = Math.abs(v); nonzero++; }
            assertEquals(count, nonzero, "weights kept of " + n);
            if (count > 0) assertEquals(kept / count, alpha, 1e-6 * kept / count, "alpha of " + n);
        }
        float[] nan = gaussian(1000, 4);
        nan[500] = Float.NaN;
        float[] q = Quantizer.quantize(nan, 1, 4);
        assertTrue(Float.isNaN(q[500]) && !Float.isNaN(q[499]), "a NaN weight stays NaN, the others are quantized on the other weights' max");
    }
}
