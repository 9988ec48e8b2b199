package org.bitsearch.trainers.dl4j.factor;

/** Small dense linear algebra on row-major {@code double[rows][cols]}: what the factorizations need, no more. */
final class Matrices {
    private Matrices() {}

    static double[][] multiply(double[][] a, double[][] b) {
        int n = a.length, k = b.length, m = b[0].length;
        double[][] c = new double[n][m];
        for (int i = 0; i < n; i++) {
            double[] ci = c[i], ai = a[i];
            for (int p = 0; p < k; p++) {
                double x = ai[p];
                if (x == 0) continue;
                double[] bp = b[p];
                for (int j = 0; j < m; j++) ci[j] += x * bp[j];
            }
        }
        return c;
    }

    static double[][] transpose(double[][] a) {
        double[][] t = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[0].length; j++) t[j][i] = a[i][j];
        return t;
    }

    /** ‖a − b‖²_F. */
    static double distance2(double[][] a, double[][] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[0].length; j++) { double d = a[i][j] - b[i][j]; s += d * d; }
        return s;
    }

    static double norm2(double[][] a) {
        double s = 0;
        for (double[] row : a) for (double x : row) s += x * x;
        return s;
    }

    static double[][] copy(double[][] a) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) c[i] = a[i].clone();
        return c;
    }

    /** x = M⁻¹ for a symmetric positive definite M (Cholesky). */
    static double[][] inverseSpd(double[][] m) {
        int n = m.length;
        double[][] l = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = m[i][j];
                for (int k = 0; k < j; k++) s -= l[i][k] * l[j][k];
                if (i == j) {
                    if (!(s > 0)) throw new ArithmeticException("matrix is not positive definite (pivot " + s + " at " + i + ")");
                    l[i][i] = Math.sqrt(s);
                } else l[i][j] = s / l[j][j];
            }
        }
        double[][] inv = new double[n][n];
        for (int c = 0; c < n; c++) {
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                double s = i == c ? 1 : 0;
                for (int k = 0; k < i; k++) s -= l[i][k] * y[k];
                y[i] = s / l[i][i];
            }
            for (int i = n - 1; i >= 0; i--) {
                double s = y[i];
                for (int k = i + 1; k < n; k++) s -= l[k][i] * inv[k][c];
                inv[i][c] = s / l[i][i];
            }
        }
        return inv;
    }
}
