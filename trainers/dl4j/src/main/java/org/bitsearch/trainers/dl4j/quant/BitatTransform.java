package org.bitsearch.trainers.dl4j.quant;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.eigen.Eigen;
import org.nd4j.linalg.factory.Nd4j;

/**
 * BiTAT's importance-aware orthonormal transformation of one dense layer's weights (Park et al., "BiTAT: Neural
 * Network Binarization with Task-dependent Aggregated Transformation", 2022, arXiv:2207.01394), in the closed form
 * bitsearch uses: computed from the layer's input correlation, not trained.
 *
 * <p>For a layer y = x·W (W of shape [d, n], DL4J's dense layout) with inputs x, let C = E[xᵀx] = U Λ Uᵀ be the
 * eigendecomposition of the (uncentred) input correlation on a calibration batch. The transformation is the
 * orthonormal U (UᵀU = I): the weights in the transformed basis are V = Uᵀ W, whose row i is what the i-th
 * eigen-direction of the inputs sees. The output error of any replacement Ŵ = U V̂ is exactly
 * E‖x(W − Ŵ)‖² = Σ_i λ_i ‖V_i − V̂_i‖², so the importance of row i is s_i = λ_i / mean(λ). V is quantized on the
 * k-bit grid with the scale (and for 2 bits the ternary threshold) that minimise the importance-weighted error
 * Σ_i s_i ‖V_i − Q(V_i)‖², and the layer computes with Q(W) = U Q(Uᵀ W). For 1 bit Q(V) = α·sign(V) with the
 * weighted BWN scale α = Σ s_i|V_ij| / (n Σ s_i) (the minimiser in closed form).
 *
 * <p>Immutable; {@link #quantize} may be called from any one thread at a time per array (it allocates its results
 * outside every workspace).
 */
public final class BitatTransform {
    private final int d;
    private final INDArray basis;    // U, [d, d] float, columns = eigenvectors
    private final INDArray basisT;   // Uᵀ
    private final float[] importance;

    private BitatTransform(INDArray basis, float[] importance) {
        this.d = (int) basis.rows();
        this.basis = basis;
        this.basisT = basis.transpose().dup('c');
        this.importance = importance;
    }

    /**
     * The transformation of a layer whose inputs are the rows of {@code x} ([N, d], N >= 1): eigenbasis and
     * eigenvalues of xᵀx / N (double precision, LAPACK's symmetric solver).
     */
    public static BitatTransform fromInputs(INDArray x) {
        if (x.rank() != 2 || x.rows() < 1) throw new IllegalArgumentException("inputs must be a non-empty [N, d] matrix, but have shape " + Arrays.toString(x.shape()));
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray xd = x.castTo(DataType.DOUBLE);
            INDArray c = xd.transpose().mmul(xd).divi(x.rows()).dup('f');
            INDArray ev = Eigen.symmetricGeneralizedEigenvalues(c, true); // c now holds the eigenvectors as columns
            int d = (int) c.rows();
            double[] lambda = ev.toDoubleVector();
            double mean = 0;
            for (double l : lambda) mean += Math.max(0, l);
            mean /= d;
            float[] s = new float[d];
            // a tiny floor: a direction no input ever takes (λ = 0) still gets a well-defined, negligible weight
            for (int i = 0; i < d; i++) s[i] = (float) ((Math.max(0, lambda[i]) + 1e-6 * mean) / (mean > 0 ? mean : 1));
            return new BitatTransform(c.castTo(DataType.FLOAT).dup('c'), s);
        }
    }

    /** The transformation with a given orthonormal basis (columns) and importance per basis vector (tests, ablations). */
    public static BitatTransform of(INDArray basis, float[] importance) {
        if (basis.rank() != 2 || basis.rows() != basis.columns() || importance.length != basis.rows())
            throw new IllegalArgumentException("basis must be [d, d] and importance of length d");
        return new BitatTransform(basis.castTo(DataType.FLOAT).dup('c'), importance.clone());
    }

    public int inputs() { return d; }

    /** U, the orthonormal basis (columns), a copy. */
    public INDArray basis() { return basis.dup(); }

    /** s, the importance of each basis vector (λ_i / mean λ), a copy. */
    public float[] importance() { return importance.clone(); }

    /** U Q(Uᵀ W) for dense weights {@code w} of shape [d, n]; a new detached array of w's type. */
    public INDArray quantize(INDArray w, int bits) {
        if (w.rank() != 2 || w.rows() != d)
            throw new IllegalArgumentException("weights have shape " + Arrays.toString(w.shape()) + ", but the transform has " + d + " inputs");
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            int n = (int) w.columns();
            INDArray v = basisT.mmul(w.castTo(DataType.FLOAT)).dup('c');
            float[] values = v.data().asFloat();
            quantizeGrouped(values, d, n, bits);
            INDArray q = Nd4j.create(values, new long[]{d, n}, 'c');
            INDArray out = basis.mmul(q);
            return out.castTo(w.dataType()).dup(w.ordering());
        }
    }

    /**
     * The factors of {@link #quantize}'s result for export: U Q(Uᵀ W) = (U·diag(a)) · C, where a_i is the scale of
     * row i's importance group and C ([d, n], row-major) holds the integer levels of Q(Uᵀ W) (±1 at 1 bit, −1/0/1 at
     * 2 bits, |c| ≤ 2^(bits−1) − 1 above). {@code scaledBasis} is U·diag(a), [d, d], full precision: what a runtime
     * needs beside the low-bit levels, and what the model size of bitsearch does not count.
     */
    public record Factors(INDArray scaledBasis, int[] levels, int rows, int cols) {}

    /** See {@link Factors}; {@code bits} 1..8, {@code w} of shape [d, n]. */
    public Factors factors(INDArray w, int bits) {
        if (w.rank() != 2 || w.rows() != d)
            throw new IllegalArgumentException("weights have shape " + Arrays.toString(w.shape()) + ", but the transform has " + d + " inputs");
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            int n = (int) w.columns();
            float[] values = basisT.mmul(w.castTo(DataType.FLOAT)).dup('c').data().asFloat();
            double[] rowScale = new double[d];
            quantizeGrouped(values, d, n, bits, rowScale);
            int[] levels = new int[values.length];
            for (int i = 0; i < d; i++)
                for (int j = 0; j < n; j++) {
                    float x = values[i * n + j];
                    levels[i * n + j] = bits == 1 ? (x >= 0 ? 1 : -1)
                            : rowScale[i] == 0 ? 0 : (int) Math.rint(x / rowScale[i]);
                }
            float[] a = new float[d];
            for (int i = 0; i < d; i++) a[i] = (float) rowScale[i];
            INDArray scaled = basis.mulRowVector(Nd4j.create(a, new long[]{1, d}, 'c'));
            return new Factors(scaled, levels, d, n);
        }
    }

    /**
     * Quantizes V (row-major [d, n]) in place, one scale per importance group: the rows sorted by importance
     * (descending) fall into groups of 1, 2, 4, 8, ... rows (the last takes the rest), about log2(d) + 1 groups, so
     * that directions of very different variance (their rows' magnitudes follow λ) do not share one scale; within a
     * group the scale minimises the importance-weighted error ({@link #quantizeWeighted}).
     */
    void quantizeGrouped(float[] v, int rows, int cols, int bits) {
        quantizeGrouped(v, rows, cols, bits, null);
    }

    /** As {@link #quantizeGrouped(float[], int, int, int)}; when {@code rowScale} is given, row i's scale goes to rowScale[i]. */
    void quantizeGrouped(float[] v, int rows, int cols, int bits, double[] rowScale) {
        Integer[] order = new Integer[rows];
        for (int i = 0; i < rows; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Float.compare(importance[b], importance[a]));
        for (int from = 0, size = 1; from < rows; from += size, size *= 2) {
            int to = Math.min(rows, from + size);
            if (rows - to < size * 2) to = rows; // the last group takes the rest
            float[] block = new float[(to - from) * cols];
            float[] w = new float[to - from];
            for (int g = from; g < to; g++) {
                System.arraycopy(v, order[g] * cols, block, (g - from) * cols, cols);
                w[g - from] = importance[order[g]];
            }
            double scale = quantizeWeighted(block, to - from, cols, w, bits);
            for (int g = from; g < to; g++) {
                System.arraycopy(block, (g - from) * cols, v, order[g] * cols, cols);
                if (rowScale != null) rowScale[order[g]] = scale;
            }
            if (to == rows) break;
            size = to - from;
        }
    }

    /** The number of scales {@link #quantizeGrouped} uses for {@code rows} rows. */
    public static int groups(int rows) {
        int count = 0;
        for (int from = 0, size = 1; from < rows; from += size, size *= 2) {
            int to = Math.min(rows, from + size);
            if (rows - to < size * 2) to = rows;
            count++;
            if (to == rows) break;
            size = to - from;
        }
        return count;
    }

    /**
     * Quantizes {@code v} (row-major [rows, cols]) in place to {@code bits} (1..8) with one scale for the whole
     * matrix, chosen to minimise Σ_i weight_i · ‖v_i − Q(v_i)‖² over rows i.
     *
     * @return the scale a: every value is now a·level with level ±1 (1 bit), in {−1, 0, 1} (2 bits) or an integer
     *         of at most 2^(bits−1) − 1 in magnitude; 0 when v is all zeros (left unchanged)
     */
    public static double quantizeWeighted(float[] v, int rows, int cols, float[] weight, int bits) {
        if (bits < 1 || bits > 8) throw new IllegalArgumentException("bits is " + bits + ", but must be 1..8");
        if (v.length != rows * cols || weight.length != rows) throw new IllegalArgumentException("v must be rows x cols and weight of length rows");
        double wsum = 0, wabs = 0, max = 0;
        for (int i = 0; i < rows; i++) {
            double ra = 0;
            for (int j = 0; j < cols; j++) { double a = Math.abs(v[i * cols + j]); ra += a; max = Math.max(max, a); }
            wabs += weight[i] * ra;
            wsum += weight[i] * cols;
        }
        if (max == 0) return 0;
        if (bits == 1) {
            float alpha = (float) (wabs / wsum);
            for (int k = 0; k < v.length; k++) v[k] = v[k] >= 0 ? alpha : -alpha;
            return alpha;
        }
        double meanAbs = wabs / wsum;
        double bestErr = Double.POSITIVE_INFINITY, bestA = 0, bestB = 0;
        int levels = bits == 2 ? 1 : (1 << (bits - 1)) - 1;
        for (int c = 0; c < 20; c++) {
            double a, b; // ternary: threshold a, value b; k-bit: step a
            if (bits == 2) {
                a = (0.3 + 0.05 * c) * meanAbs;
                double num = 0, den = 0;
                for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) {
                    double x = Math.abs(v[i * cols + j]);
                    if (x > a) { num += weight[i] * x; den += weight[i]; }
                }
                if (den == 0) continue;
                b = num / den;
            } else {
                a = (1.0 - 0.035 * c) * max / levels;
                b = 0;
            }
            double err = 0;
            for (int i = 0; i < rows; i++) {
                double e = 0;
                for (int j = 0; j < cols; j++) {
                    double x = v[i * cols + j], q = level(x, bits, levels, a, b);
                    e += (x - q) * (x - q);
                }
                err += weight[i] * e;
            }
            if (err < bestErr) { bestErr = err; bestA = a; bestB = b; }
        }
        for (int k = 0; k < v.length; k++) v[k] = (float) level(v[k], bits, levels, bestA, bestB);
        return bits == 2 ? (float) bestB : bestA;
    }

    private static double level(double x, int bits, int levels, double a, double b) {
        if (bits == 2) return Math.abs(x) > a ? Math.signum(x) * b : 0;
        return Math.max(-levels, Math.min(levels, Math.rint(x / a))) * a;
    }
}
