package org.bitsearch.trainers.dl4j.fast;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;

/**
 * Row-major single-precision products C = op(A)·op(B) through OpenBLAS's {@code cblas_sgemm}: the same library
 * (and thread pool) ND4J's CPU backend uses, so {@code NativeThreads} bounds its threads too.
 */
final class Blas {
    private Blas() {}

    /**
     * C[m, n] = op(A)[m, k] · op(B)[k, n] (beta = 0), every matrix row-major and contiguous; {@code ta}/{@code tb}:
     * whether A is stored as [k, m] / B as [n, k].
     */
    static void gemm(boolean ta, boolean tb, int m, int n, int k, FloatPointer a, FloatPointer b, FloatPointer c) {
        openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor,
                ta ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                tb ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans,
                m, n, k, 1f, a.position(0), ta ? m : k, b.position(0), tb ? k : n, 0f, c.position(0), n);
    }

    /** y[n] = Aᵀ·x for A [m, n] row-major and contiguous, x [m] (beta = 0): the column sums of A when x is all ones. */
    static void gemvTransposed(int m, int n, FloatPointer a, FloatPointer x, FloatPointer y) {
        openblas_nolapack.cblas_sgemv(openblas_nolapack.CblasRowMajor, openblas_nolapack.CblasTrans, m, n, 1f, a.position(0), n,
                x.position(0), 1, 0f, y.position(0), 1);
    }
}
