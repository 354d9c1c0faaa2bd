package io.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Test;

/** The backend's GEMM against a plain triple loop, and its promise of bitwise-equal results for any thread count. */
class KernelTest {
    /** An [rows, cols] operand in the requested layout: row-major, or a transposed view of a [cols, rows] array. */
    private static Tensor operand(DType dt, long seed, int rows, int cols, boolean transposed) {
        Tensor base = Tensor.normal(dt, new Generator(seed), 0, 1, transposed ? new int[] {cols, rows} : new int[] {rows, cols});
        return transposed ? base.t() : base;
    }

    /**
     * Checks c = alpha a b + beta c0 against a double-accumulated triple loop, with the rounding bound
     * (k + 2) u sum |alpha a_ip b_pj| + |beta c0| u for unit roundoff u of the dtype.
     */
    private static void assertGemm(DType dt, int m, int k, int n, boolean ta, boolean tb, double alpha, double beta) {
        Tensor a = operand(dt, m * 31L + k, m, k, ta), b = operand(dt, k * 17L + n, k, n, tb);
        Tensor c = Tensor.normal(dt, new Generator(n + 5L), 0, 1, m, n);
        double[] c0 = c.toDoubleArray();
        Backends.current().gemm(alpha, a, b, beta, c);
        double u = dt == DType.FLOAT32 ? 0x1p-24 : 0x1p-53;
        double[] out = c.toDoubleArray();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0, mag = 0;
                for (int p = 0; p < k; p++) {
                    double t = alpha * a.get(i, p) * b.get(p, j);
                    s += t;
                    mag += Math.abs(t);
                }
                double expected = s + (beta == 0 ? 0 : beta * c0[i * n + j]);
                double bound = (k + 2) * u * (mag + Math.abs(beta * c0[i * n + j])) + 1e-300;
                double got = out[i * n + j];
                if (!(Math.abs(got - expected) <= bound)) {
                    fail(String.format("gemm %s %dx%dx%d ta=%b tb=%b alpha=%g beta=%g: C[%d,%d] = %s, expected %s (bound %g)",
                            dt, m, k, n, ta, tb, alpha, beta, i, j, got, expected, bound));
                }
            }
        }
    }

    @Test
    void gemmMatchesReferenceOnAwkwardShapes() {
        int[][] shapes = {{1, 1, 1}, {7, 13, 5}, {1, 1000, 1}, {33, 17, 65}, {5, 1, 9}, {4, 3, 1}, {0, 3, 2}, {3, 0, 2}};
        for (DType dt : DType.values()) {
            for (int[] s : shapes) {
                for (int layout = 0; layout < 4; layout++) {
                    assertGemm(dt, s[0], s[1], s[2], (layout & 1) != 0, (layout & 2) != 0, 1.0, 0.0);
                }
            }
            assertGemm(dt, 33, 17, 65, true, false, -0.75, 0.0);
            assertGemm(dt, 7, 13, 5, false, true, 1.5, 1.0);
            assertGemm(dt, 33, 17, 65, true, true, 2.0, -0.5);
            assertGemm(dt, 3, 0, 2, false, false, 1.0, 3.0); // k = 0: C = beta C
        }
    }

    @Test
    void gemmOnSlicesAndOffsets() {
        for (DType dt : DType.values()) {
            Tensor big = Tensor.normal(dt, new Generator(3), 0, 1, 9, 11);
            Tensor a = big.slice(0, 2, 7).slice(1, 1, 8); // [5,7], row stride 11, offset 23
            Tensor bk = big.slice(0, 0, 7).slice(1, 0, 3); // [7,3]
            Tensor c = a.matmul(bk);
            for (int i = 0; i < 5; i++) {
                for (int j = 0; j < 3; j++) {
                    double s = 0;
                    for (int p = 0; p < 7; p++) {
                        s += a.get(i, p) * bk.get(p, j);
                    }
                    assertEquals(s, c.get(i, j), dt == DType.FLOAT32 ? 1e-5 : 1e-13);
                }
            }
        }
    }

    @Test
    void zeroTimesInfinityIsNaNInEveryRow() {
        // bug: rows outside the 4-row blocks skipped zero multipliers, so 0 * inf was NaN in some rows and
        // ignored in others (and so depended on how rows were split between threads)
        for (DType dt : DType.values()) {
            Tensor a = Tensor.ones(dt, 5, 2);
            Tensor b = Tensor.ones(dt, 2, 3);
            for (int i = 0; i < 5; i++) {
                a.set(0, i, 1);
            }
            b.set(Double.POSITIVE_INFINITY, 1, 0);
            Tensor c = a.matmul(b);
            for (int i = 0; i < 5; i++) {
                assertTrue(Double.isNaN(c.get(i, 0)), "row " + i + ": 0 * inf must be NaN, got " + c.get(i, 0));
                assertEquals(1.0, c.get(i, 1));
            }
        }
    }

    @Test
    void javaKernelResultsAreBitwiseEqualForAnyThreadCount() {
        // the Java GEMM splits rows of C over threads and never splits a sum, so the thread count cannot matter
        for (DType dt : DType.values()) {
            for (int layout = 0; layout < 4; layout++) {
                boolean ta = (layout & 1) != 0, tb = (layout & 2) != 0;
                Tensor a = operand(dt, 1, 256, 300, ta), b = operand(dt, 2, 300, 200, tb);
                double[][] results = new double[3][];
                for (int threads = 1; threads <= 3; threads++) {
                    CpuBackend java = new CpuBackend(threads, null);
                    try {
                        Tensor c = Tensor.zeros(dt, 256, 200);
                        java.gemm(1.0, a, b, 0.0, c);
                        results[threads - 1] = c.toDoubleArray();
                    } finally {
                        java.shutdown();
                    }
                }
                assertArrayEquals(results[0], results[1], 0.0, dt + " layout " + layout + ": 1 vs 2 threads");
                assertArrayEquals(results[0], results[2], 0.0, dt + " layout " + layout + ": 1 vs 3 threads");
            }
        }
    }

    @Test
    void resultsAreBitwiseRepeatableForAFixedThreadCount() {
        // whatever the backend (OpenBLAS, called once per block of C, may sum a block differently by its size), the
        // same thread count gives the same bits: what makes same seed + same --threads reproducible
        int saved = Backends.threads();
        try {
            for (DType dt : DType.values()) {
                Tensor x = Tensor.normal(dt, new Generator(4), 0, 1, 3, 70, 90), w = Tensor.normal(dt, new Generator(5), 0, 1, 90, 50);
                for (int threads = 1; threads <= 3; threads++) {
                    Backends.setThreads(threads);
                    assertEquals(threads, Backends.threads());
                    float[] first = x.matmul(w).toFloatArray();
                    assertArrayEquals(first, x.matmul(w).toFloatArray(), dt + " with " + threads + " threads");
                }
            }
        } finally {
            Backends.setThreads(saved);
        }
        assertEquals(saved, Backends.threads());
    }

    @Test
    void elementwiseKernelsOnStridedBroadcasts() {
        for (DType dt : DType.values()) {
            Tensor a = Tensor.arange(dt, 12).reshape(3, 4).t(); // [4,3] strided
            Tensor b = Tensor.arange(dt, 3).mul(10.0); // [3] broadcast over rows
            Tensor c = a.sub(b);
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 3; j++) {
                    assertEquals(j * 4 + i - 10.0 * j, c.get(i, j));
                }
            }
            Tensor col = Tensor.arange(dt, 4).reshape(4, 1);
            Tensor d = col.div(a.add(1.0)); // stride-0 left operand
            assertEquals(3.0 / (1 * 4 + 3 + 1), d.get(3, 1), 1e-6); // a[3][1] = 1 * 4 + 3
        }
    }
}
