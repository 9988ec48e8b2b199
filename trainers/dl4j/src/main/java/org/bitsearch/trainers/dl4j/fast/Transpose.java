package org.bitsearch.trainers.dl4j.fast;

/** Transposes of row-major float matrices, by tiles of 16×16 so that both sides are read and written in cache lines. */
final class Transpose {
    private static final int TILE = 16;

    private Transpose() {}

    /** to[j·rows + i] = from[i·cols + j]: [rows, cols] to [cols, rows]. */
    static void of(float[] from, int rows, int cols, float[] to) {
        for (int i0 = 0; i0 < rows; i0 += TILE) {
            int i1 = Math.min(rows, i0 + TILE);
            for (int j0 = 0; j0 < cols; j0 += TILE) {
                int j1 = Math.min(cols, j0 + TILE);
                for (int i = i0; i < i1; i++) {
                    int src = i * cols;
                    for (int j = j0; j < j1; j++) to[j * rows + i] = from[src + j];
                }
            }
        }
    }
}
