package org.bitsearch.trainers.dl4j.model;

import org.bitsearch.trainers.dl4j.factor.QuantizedFactorization;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;

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

    /** Factors of one layer: A (nIn × R), B (R × nOut) and the relative error ‖W − AB‖²/‖W‖². */
    public record Factors(double[][] a, double[][] b, double relativeError) {}

    /** Which factorization of which weights: the cache key of {@link #factorize}. */
    public record Key(int layer, int rank, int bits, int iterations, long seed) {}

    /** The QAF factors of {@code w} at {@code rank} and {@code bits} (see the class comment). */
    public static Factors factorize(double[][] w, int rank, int bits, int iterations, long seed) {
        if (bits == 32) {
            double[][][] f = QuantizedFactorization.leastSquares(w, rank, 60, seed);
            return new Factors(f[0], f[1], QuantizedFactorization.error(w, f[0], f[1]));
        }
        QuantizedFactorization.Result r = QuantizedFactorization.admm(w, rank, bits, iterations, seed);
        return new Factors(r.a(), r.b(), r.relativeError());
    }

    /**
     * Fills {@code target} from {@code source}: {@code ranks} maps quantizable-layer index → rank, {@code bits} gives
     * each quantizable layer's bit-width; {@code factors} computes (or recalls) a layer's factors from its key and W.
     *
     * @return the relative reconstruction error of each factorized layer, by quantizable-layer index
     */
    public static Map<Integer, Double> transfer(MultiLayerNetwork source, MultiLayerNetwork target, Map<Integer, Integer> ranks,
                                                List<Integer> bits, int iterations, long seed,
                                                java.util.function.BiFunction<Key, double[][], Factors> factors) {
        Map<Integer, Double> errors = new java.util.TreeMap<>();
        for (Layer s : source.getLayers()) {
            String name = s.conf().getLayer().getLayerName();
            Map<String, INDArray> params = s.paramTable();
            if (params.isEmpty()) continue;
            Integer q = name.startsWith("dense") ? Integer.valueOf(name.substring(5)) : null;
            if (q == null || !ranks.containsKey(q)) {
                for (Map.Entry<String, INDArray> e : params.entrySet()) target.getLayer(name).getParam(e.getKey()).assign(e.getValue());
                continue;
            }
            double[][] w = toMatrix(s.getParam("W"));
            Factors f = factors.apply(new Key(q, ranks.get(q), bits.get(q), iterations, seed), w);
            target.getLayer(ModelFactory.factorName(q, 0)).getParam("W").assign(toArray(f.a()));
            Layer second = target.getLayer(ModelFactory.factorName(q, 1));
            second.getParam("W").assign(toArray(f.b()));
            second.getParam("b").assign(s.getParam("b"));
            errors.put(q, f.relativeError());
        }
        return errors;
    }

    /** The factors of every call, computed afresh (no cache). */
    public static final java.util.function.BiFunction<Key, double[][], Factors> UNCACHED =
            (k, w) -> factorize(w, k.rank(), k.bits(), k.iterations(), k.seed());

    static double[][] toMatrix(INDArray a) {
        double[][] m = new double[(int) a.rows()][(int) a.columns()];
        for (int i = 0; i < m.length; i++) for (int j = 0; j < m[0].length; j++) m[i][j] = a.getDouble(i, j);
        return m;
    }

    static INDArray toArray(double[][] m) {
        return Nd4j.create(m).castTo(DataType.FLOAT);
    }

}
