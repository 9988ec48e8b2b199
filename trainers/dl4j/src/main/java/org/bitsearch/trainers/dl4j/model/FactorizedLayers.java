package org.bitsearch.trainers.dl4j.model;

import org.bitsearch.trainers.dl4j.factor.CpDecomposition;
import org.bitsearch.trainers.dl4j.factor.QuantizedFactorization;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.TreeMap;

/**
 * Moves a trained network's weights into its factorized twin ({@link ModelFactory#build(String, List,
 * org.bitsearch.trainers.dl4j.data.InputShape, List, boolean, Hyperparameters, long, Map)}): every layer that is not
 * factorized gets its weights and bias copied by name; factorized dense layer q (W, nIn × nOut) gets the factors of
 * Quantization Aware Factorization (Cherniuk et al. 2023): W ≈ A·B with A (nIn × R) and B (R × nOut) on q's k-bit grid
 * by ADMM ({@link QuantizedFactorization#admm}) for 3..8 bits, the rank-R least-squares factors for 32 bits. A goes to
 * {@code dense<q>.f0}, B and the bias to {@code dense<q>.f1}. Called on the run's thread; changes only {@code target}.
 */
public final class FactorizedLayers {
    private FactorizedLayers() {}

    /**
     * Factors of one layer and the relative error of their reconstruction: A (nIn × R), B (R × nOut) of a dense
     * layer; A (out × R), B (in × R), C (kh·kw × R) of a convolution's CP.
     */
    public record Factors(List<double[][]> factors, double relativeError) {}

    /** Which factorization of which weights (admm false: least squares, then projected): the cache key of {@link #factorize}. */
    public record Key(int layer, int rank, int bits, int iterations, long seed, boolean admm) {}

    /** The QAF factors of {@code w} at {@code rank} and {@code bits} (see the class comment). */
    public static Factors factorize(double[][] w, int rank, int bits, int iterations, long seed) {
        return factorize(w, rank, bits, iterations, seed, true);
    }

    /**
     * The factors of {@code w}: QAF's ADMM ({@code admm}), or the paper's baseline, the rank-R least-squares factors
     * projected onto the grid ({@link QuantizedFactorization#quantizeAfterFactorize}).
     */
    public static Factors factorize(double[][] w, int rank, int bits, int iterations, long seed, boolean admm) {
        if (!admm && bits != 32) {
            QuantizedFactorization.Result r = QuantizedFactorization.quantizeAfterFactorize(w, rank, bits, seed);
            return new Factors(List.of(r.a(), r.b()), r.relativeError());
        }
        if (bits == 32) {
            double[][][] f = QuantizedFactorization.leastSquares(w, rank, 60, seed);
            return new Factors(List.of(f[0], f[1]), QuantizedFactorization.error(w, f[0], f[1]));
        }
        QuantizedFactorization.Result r = QuantizedFactorization.admm(w, rank, bits, iterations, seed);
        return new Factors(List.of(r.a(), r.b()), r.relativeError());
    }

    /**
     * The QAF CP factors A, B, C of a kernel tensor x (out, in, kh·kw) at {@code rank} and {@code bits}: AO-ADMM
     * ({@link CpDecomposition#admm}, one inner iteration per sweep, {@code iterations} sweeps after 300 ALS sweeps), or
     * ALS alone at 32 bits; with {@code admm} false the ALS factors projected onto the grid (quantize after CP).
     */
    public static Factors factorizeKernel(double[][][] x, int rank, int bits, int iterations, long seed, boolean admm) {
        CpDecomposition.Result r = bits == 32 ? CpDecomposition.als(x, rank, 300 + iterations, seed)
                : admm ? CpDecomposition.admm(x, rank, bits, 300, iterations, 1, seed)
                : CpDecomposition.quantizeAfterCp(x, rank, bits, 300, seed);
        return new Factors(List.of(r.a(), r.b(), r.c()), r.relativeError());
    }

    /**
     * Fills {@code target} from {@code source}: {@code ranks} maps quantizable-layer index → rank, {@code bits} gives
     * each quantizable layer's bit-width; {@code dense} and {@code kernels} compute (or recall) a layer's factors from
     * its key and weights (W as nIn × nOut; a kernel as (out, in, kh·kw)).
     *
     * @return the relative reconstruction error of each factorized layer, by quantizable-layer index
     */
    public static Map<Integer, Double> transfer(MultiLayerNetwork source, MultiLayerNetwork target, Map<Integer, Integer> ranks,
                                                List<Integer> bits, int iterations, long seed, boolean admm,
                                                BiFunction<Key, double[][], Factors> dense, BiFunction<Key, double[][][], Factors> kernels) {
        Map<Integer, Double> errors = new TreeMap<>();
        for (Layer s : source.getLayers()) {
            String name = s.conf().getLayer().getLayerName();
            Map<String, INDArray> params = s.paramTable();
            if (params.isEmpty()) continue;
            String kind = name.startsWith("dense") ? "dense" : name.startsWith("conv") ? "conv" : null;
            Integer q = kind == null ? null : Integer.valueOf(name.substring(kind.length()));
            if (q == null || !ranks.containsKey(q)) {
                for (Map.Entry<String, INDArray> e : params.entrySet()) target.getLayer(name).getParam(e.getKey()).assign(e.getValue());
                continue;
            }
            Key key = new Key(q, ranks.get(q), bits.get(q), iterations, seed, admm);
            Layer last;
            Factors f;
            if (kind.equals("dense")) {
                f = dense.apply(key, toMatrix(s.getParam("W")));
                target.getLayer(ModelFactory.factorName(q, 0)).getParam("W").assign(toArray(f.factors().get(0)));
                last = target.getLayer(ModelFactory.factorName(q, 1));
                last.getParam("W").assign(toArray(f.factors().get(1)));
            } else {
                INDArray w = s.getParam("W"); // [out, in, kh, kw]
                int out = (int) w.size(0), in = (int) w.size(1), kh = (int) w.size(2), kw = (int) w.size(3), r = ranks.get(q);
                double[][][] x = new double[out][in][kh * kw];
                for (int o = 0; o < out; o++) for (int i = 0; i < in; i++) for (int y = 0; y < kh; y++) for (int z = 0; z < kw; z++)
                    x[o][i][y * kw + z] = w.getDouble(o, i, y, z);
                f = kernels.apply(key, x);
                double[][] a = f.factors().get(0), b = f.factors().get(1), c = f.factors().get(2);
                INDArray w0 = target.getLayer(ModelFactory.factorName("conv", q, 0)).getParam("W"); // [R, in, 1, 1]
                INDArray w1 = target.getLayer(ModelFactory.factorName("conv", q, 1)).getParam("W"); // depthwise [kh, kw, R, 1]
                last = target.getLayer(ModelFactory.factorName("conv", q, 2));
                INDArray w2 = last.getParam("W"); // [out, R, 1, 1]
                for (int k = 0; k < r; k++) {
                    for (int i = 0; i < in; i++) w0.putScalar(new long[]{k, i, 0, 0}, b[i][k]);
                    for (int y = 0; y < kh; y++) for (int z = 0; z < kw; z++) w1.putScalar(new long[]{y, z, k, 0}, c[y * kw + z][k]);
                    for (int o = 0; o < out; o++) w2.putScalar(new long[]{o, k, 0, 0}, a[o][k]);
                }
            }
            last.getParam("b").assign(s.getParam("b"));
            errors.put(q, f.relativeError());
        }
        return errors;
    }

    /** Dense factors computed afresh at every call (no cache). */
    public static final BiFunction<Key, double[][], Factors> DENSE = (k, w) -> factorize(w, k.rank(), k.bits(), k.iterations(), k.seed(), k.admm());

    /** Kernel CP factors computed afresh at every call (no cache). */
    public static final BiFunction<Key, double[][][], Factors> KERNELS = (k, x) -> factorizeKernel(x, k.rank(), k.bits(), k.iterations(), k.seed(), k.admm());

    static double[][] toMatrix(INDArray a) {
        double[][] m = new double[(int) a.rows()][(int) a.columns()];
        for (int i = 0; i < m.length; i++) for (int j = 0; j < m[0].length; j++) m[i][j] = a.getDouble(i, j);
        return m;
    }

    static INDArray toArray(double[][] m) {
        return Nd4j.create(m).castTo(DataType.FLOAT);
    }

}
