package org.bitsearch.trainers.dl4j.factor;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CP decomposition of 3-way tensors (convolution kernels as (out, in, kh·kw)), plain and quantization-aware (QAF). */
class CpDecompositionTest {
    /** A random rank-R tensor [[A, B, C]] with Gaussian factors, plus Gaussian noise of relative size {@code noise}. */
    static double[][][] lowRank(int i, int j, int k, int rank, double noise, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        double[][] a = gaussian(i, rank, rng), b = gaussian(j, rank, rng), c = gaussian(k, rank, rng);
        double[][][] x = CpDecomposition.reconstruct(a, b, c);
        double scale = 0;
        for (double[][] s : x) for (double[] r : s) for (double v : r) scale += v * v;
        scale = Math.sqrt(scale / ((double) i * j * k));
        for (double[][] s : x) for (double[] r : s) for (int t = 0; t < r.length; t++) r[t] += noise * scale * rng.nextGaussian();
        return x;
    }

    private static double[][] gaussian(int rows, int cols, SplittableRandom rng) {
        double[][] m = new double[rows][cols];
        for (double[] row : m) for (int j = 0; j < cols; j++) row[j] = rng.nextGaussian();
        return m;
    }

    @Test
    void alsReconstructsRandomRankRTensors() {
        for (long seed = 1; seed <= 3; seed++) {
            // the shape of a 5x5 convolution from 8 to 16 channels, as (out, in, kh·kw)
            double[][][] x = lowRank(16, 8, 25, 4, 0, seed);
            CpDecomposition.Result r = CpDecomposition.als(x, 4, 2000, seed + 100);
            assertTrue(r.relativeError() < 1e-8, "seed " + seed + ": relative error " + r.relativeError());
            assertEquals(r.relativeError(), CpDecomposition.error(x, r.a(), r.b(), r.c()), 1e-12);
        }
    }

    @Test
    void qafFactorsLieOnTheGridAndBeatQuantizeAfterCp() {
        for (int bits : new int[]{3, 4, 6}) {
            for (long seed = 1; seed <= 3; seed++) {
                double[][][] x = lowRank(16, 8, 25, 6, 0.05, seed);
                CpDecomposition.Result baseline = CpDecomposition.quantizeAfterCp(x, 6, bits, 300, seed);
                CpDecomposition.Result qaf = CpDecomposition.admm(x, 6, bits, 300, 40, 1, seed);
                assertTrue(UniformGrid.onGrid(qaf.a(), bits) && UniformGrid.onGrid(qaf.b(), bits) && UniformGrid.onGrid(qaf.c(), bits),
                        bits + " bits, seed " + seed + ": every factor is on its grid");
                assertTrue(qaf.relativeError() < baseline.relativeError(), bits + " bits, seed " + seed + ": QAF error "
                        + qaf.relativeError() + " vs quantize-after-CP " + baseline.relativeError());
                System.out.printf("CP %d bits seed %d: QAF %.5f, quantize-after-CP %.5f%n", bits, seed, qaf.relativeError(), baseline.relativeError());
            }
        }
    }

    @Test
    void sizeCountsFactorEntriesAndScales() {
        CpDecomposition.Result r = CpDecomposition.als(lowRank(16, 8, 25, 3, 0, 1), 3, 50, 1);
        assertEquals((16 + 8 + 25) * 3L * 4 + 96, r.sizeBits(4));
        assertEquals((16 + 8 + 25) * 3L * 32, r.sizeBits(32));
    }
}
