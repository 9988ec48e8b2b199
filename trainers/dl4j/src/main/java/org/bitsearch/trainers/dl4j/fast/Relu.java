package org.bitsearch.trainers.dl4j.fast;

/**
 * ReLU's backward pass as one loop the JIT vectorises: dZ = dA ⊙ [a &gt; 0] for a = max(0, z).
 *
 * <p>The mask is computed without a branch, min(a · 2¹⁰⁰ · 2⁴⁹, 1): 0 for a = 0 and exactly 1 for every a &gt; 0
 * (the smallest positive float is 2⁻¹⁴⁹; larger values overflow to +∞ and the min keeps 1), so dZ = dA · mask is dA
 * exactly where a &gt; 0 and a zero elsewhere, as DL4J's ReLU derivative. The branch it replaces ({@code a > 0 ? g : 0})
 * is taken at random for about half the units and compiled to a scalar loop: in the MLP's FP32 step it cost as
 * much CPU time as Adam (JFR, issue 11). A zero may come out as −0 where dA &lt; 0, which no later sum can tell from
 * +0; a NaN or infinite activation or gradient (a diverged run) gives NaN instead of 0.
 */
final class Relu {
    private Relu() {}

    /** dz[i] = g[i] where a[i] &gt; 0, else 0, for i in [0, n). */
    static void backward(float[] a, float[] g, float[] dz, int n) {
        for (int i = 0; i < n; i++) dz[i] = g[i] * Math.min(a[i] * 0x1p100f * 0x1p49f, 1f);
    }
}
