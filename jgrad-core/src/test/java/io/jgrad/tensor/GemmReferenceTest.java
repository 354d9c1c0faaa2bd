package io.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every float32 GEMM path of {@link CpuBackend} (the Java kernel, {@link VectorSgemm} with its row, column and K
 * splits, OpenBLAS where it loads) against a triple loop in double, table-driven: sizes just below, at and above
 * the register tile (8 x 32), the vector width (16) and the K block (256); all four layouts of transposed operands;
 * C a column slice of a wider matrix (leading dimension larger than n, an offset, sentinels around it that must
 * stay); NaN and infinities; and 1, 2 and 3 threads, bitwise the same where the backend promises it.
 */
class GemmReferenceTest {
    private static final int[] M = {1, 7, 8, 9, 17};
    private static final int[] N = {1, 15, 16, 31, 32, 33};
    private static final int[] K = {1, 16, 17, 255, 256, 257, 513};
    private static final float SENTINEL = -7777f;

    /** Backends by name and thread count: java and vector always, openblas where the library loads. */
    private static final List<CpuBackend> BACKENDS = new ArrayList<>();

    @BeforeAll
    static void backends() {
        for (int threads = 1; threads <= 3; threads++) {
            BACKENDS.add(new CpuBackend(threads, null, null));
            if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) {
                BACKENDS.add(new CpuBackend(threads, null, new VectorSgemm()));
            }
            if (OpenBlas.get() != null) {
                BACKENDS.add(new CpuBackend(threads, OpenBlas.get(), null));
            }
        }
    }

    @AfterAll
    static void shutdown() {
        BACKENDS.forEach(CpuBackend::shutdown);
    }

    /** A [rows, cols] float32 operand, row-major or the transpose of a row-major [cols, rows] inside a larger array. */
    private static Tensor operand(Generator g, int rows, int cols, boolean transposed) {
        return transposed ? Tensor.randn(g, cols + 2, rows + 3).slice(0, 1, 1 + cols).slice(1, 2, 2 + rows).t()
                : Tensor.randn(g, rows + 1, cols + 5).slice(0, 1, 1 + rows).slice(1, 3, 3 + cols);
    }

    /** A [m, n] C: columns 2..2+n of a [m, n + 5] matrix of sentinels, filled with start. */
    private static Tensor resultView(int m, int n, float[] start) {
        Tensor whole = Tensor.full(DType.FLOAT32, SENTINEL, m, n + 5);
        Tensor c = whole.slice(1, 2, 2 + n);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                c.f[c.offset + i * c.strides[0] + j] = start[i * n + j];
            }
        }
        return c;
    }

    /** The float32 values of C, row by row, after asserting that the elements of its array outside it kept the sentinel. */
    private static float[] values(Tensor c, String what) {
        int m = c.shape[0], n = c.shape[1], ld = c.strides[0];
        float[] out = new float[m * n];
        for (int at = 0; at < c.f.length; at++) {
            int rel = at - c.offset, i = Math.floorDiv(rel, ld), j = Math.floorMod(rel, ld);
            boolean inside = rel >= 0 && i < m && j < n;
            if (inside) {
                out[i * n + j] = c.f[at];
            } else {
                assertEquals(SENTINEL, c.f[at], what + ": wrote outside C at array element " + at);
            }
        }
        return out;
    }

    /**
     * alpha a b + beta c0 by a double triple loop, and the rounding bound of each element: (k + 2) u sum |terms| +
     * |beta c0| u.
     */
    private static double[][] reference(double alpha, Tensor a, Tensor b, double beta, float[] c0) {
        int m = a.shape[0], k = a.shape[1], n = b.shape[1];
        float[] x = a.contiguous().toFloatArray(), y = b.contiguous().toFloatArray();
        double[] expected = new double[m * n], bound = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0, mag = 0;
                for (int p = 0; p < k; p++) {
                    double t = alpha * x[i * k + p] * y[p * n + j];
                    s += t;
                    mag += Math.abs(t);
                }
                double bc = beta == 0 ? 0 : beta * c0[i * n + j];
                expected[i * n + j] = s + bc;
                bound[i * n + j] = (k + 2) * 0x1p-24 * (mag + Math.abs(bc)) + 1e-30;
            }
        }
        return new double[][] {expected, bound};
    }

    /** got against the reference: within the bound; a NaN expected must be NaN, an infinity the same infinity. */
    private static void check(double[][] ref, float[] got, String what) {
        for (int i = 0; i < got.length; i++) {
            double expected = ref[0][i], v = got[i];
            if (Double.isNaN(expected) || Double.isInfinite(expected)) {
                assertEquals(expected, v, what + ": C element " + i);
            } else if (!(Math.abs(v - expected) <= ref[1][i])) {
                fail(what + ": C element " + i + " = " + v + ", expected " + expected + " (bound " + ref[1][i] + ")");
            }
        }
    }

    /**
     * Every backend and thread count on every shape of the table and layout: within the rounding bound of the triple
     * loop, nothing outside C written, and for java and vector the same bits on 1, 2 and 3 threads.
     */
    @Test
    void everyPathMatchesTheTripleLoopOnShapesAroundTheTilesAndBlocks() {
        Generator g = new Generator(31);
        for (int m : M) {
            for (int n : N) {
                for (int k : K) {
                    int layout = (m + n + k) & 3; // one layout per shape, all four over the table
                    checkShape(g, m, n, k, (layout & 1) != 0, (layout & 2) != 0, layout == 3 ? -0.5 : 1.0,
                            layout == 0 ? 0.0 : 0.75);
                }
            }
        }
        // the split paths of the vector kernel: rows (m > n), columns, K (C of 32K..64K elements, K >= 768)
        checkShape(g, 603, 67, 300, false, true, 1.0, 1.0);
        checkShape(g, 67, 600, 45, true, false, 1.0, 0.0);
        checkShape(g, 131, 255, 1163, true, true, -0.5, 0.25);
        assertEquals(3, CpuBackend.kParts(131, 255, 1163));
    }

    private static void checkShape(Generator g, int m, int n, int k, boolean ta, boolean tb, double alpha, double beta) {
        Tensor a = operand(g, m, k, ta), b = operand(g, k, n, tb);
        float[] c0 = Tensor.randn(g, m * n).toFloatArray();
        double[][] ref = reference(alpha, a, b, beta, c0);
        java.util.Map<String, float[]> byName = new java.util.HashMap<>();
        for (CpuBackend backend : BACKENDS) {
            Tensor c = resultView(m, n, c0);
            String what = backend.name() + " threads=" + backend.threads() + " " + m + "x" + k + "x" + n + " ta=" + ta
                    + " tb=" + tb + " alpha=" + alpha + " beta=" + beta;
            backend.gemm(alpha, a, b, beta, c);
            float[] got = values(c, what);
            if (backend.threads() == 1) {
                check(ref, got, what);
                byName.put(backend.name(), got);
            } else if (!backend.name().equals("openblas")) {
                float[] one = byName.get(backend.name());
                for (int i = 0; i < got.length; i++) {
                    assertEquals(Float.floatToIntBits(one[i]), Float.floatToIntBits(got[i]), what + " against 1 thread at " + i);
                }
            } else {
                check(ref, got, what);
            }
        }
    }

    /** NaN and infinities in A, B and C propagate as in the triple loop, on every path (inf * 0 is NaN). */
    @Test
    void nanAndInfinitiesPropagateOnEveryPath() {
        Generator g = new Generator(32);
        for (int[] s : new int[][] {{9, 33, 17}, {17, 40, 300}}) {
            int m = s[0], n = s[1], k = s[2];
            Tensor a = operand(g, m, k, false), b = operand(g, k, n, true);
            a.f[a.offset + 2 * a.strides[0] + 5] = Float.NaN; // row 2 of C is NaN
            a.f[a.offset + 4 * a.strides[0] + 1] = Float.POSITIVE_INFINITY; // row 4: +-inf or NaN by B's signs
            b.f[b.offset + 3 * b.strides[0] + 7 * b.strides[1]] = Float.NEGATIVE_INFINITY; // column 7
            b.f[b.offset + 1 * b.strides[0] + 9 * b.strides[1]] = 0f; // inf * 0 in C[4, 9]
            float[] c0 = Tensor.randn(g, m * n).toFloatArray();
            c0[n + 3] = Float.NaN; // read with beta 1, not with beta 0
            for (double beta : new double[] {0.0, 1.0}) {
                double[][] ref = reference(1.0, a, b, beta, c0);
                for (CpuBackend backend : BACKENDS) {
                    Tensor c = resultView(m, n, c0);
                    String what = backend.name() + " threads=" + backend.threads() + " " + m + "x" + k + "x" + n + " beta=" + beta;
                    backend.gemm(1.0, a, b, beta, c);
                    float[] got = values(c, what);
                    check(ref, got, what);
                    assertTrue(Float.isNaN(got[4 * n + 9]), what + ": inf * 0");
                    assertEquals(beta != 0, Float.isNaN(got[n + 3]), what + ": C's NaN read only with beta != 0");
                }
            }
        }
    }
}
