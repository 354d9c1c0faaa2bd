package io.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * GEMM of both CPU paths (Java kernels and OpenBLAS through FFM) against a plain triple loop in float64, on
 * awkward shapes, transposed views, alpha and beta; plus the fallback and determinism promises.
 */
class BlasTest {
    private static final int[][] SHAPES = {{1, 1, 1}, {7, 13, 5}, {33, 17, 65}, {5, 1, 9}, {1, 40, 3}, {16, 15, 17},
            {70, 130, 45}};

    private static OpenBlas blasOrSkip() {
        OpenBlas blas = OpenBlas.get();
        Assumptions.assumeTrue(blas != null, "OpenBLAS not found (no org.bytedeco:openblas natives jar on the classpath"
                + " and no system libopenblas, or -Djgrad.blas=java): apt-get install libopenblas0-pthread");
        return blas;
    }

    /** The OpenBLAS of that mode ("system" or "bundled"), or the test is skipped saying how to get it. */
    private static OpenBlas loadOrSkip(String mode) {
        OpenBlas lib = OpenBlas.load(mode);
        Assumptions.assumeTrue(lib != null, "no " + mode + " OpenBLAS here (system: apt-get install libopenblas0-pthread;"
                + " bundled: org.bytedeco:openblas:linux-x86_64 on the classpath)");
        return lib;
    }

    /** A [rows, cols] matrix of the dtype, stored row-major or (transposed = true) as the transpose of a [cols, rows] one. */
    private static Tensor matrix(Generator g, DType dtype, int rows, int cols, boolean transposed) {
        return transposed ? Tensor.randn(g, cols, rows).to(dtype).t() : Tensor.randn(g, rows, cols).to(dtype);
    }

    /** alpha * a * b + beta * c0 computed with a triple loop in double. */
    private static double[] reference(double alpha, Tensor a, Tensor b, double beta, Tensor c0) {
        int m = a.size(0), k = a.size(1), n = b.size(1);
        double[] out = new double[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += a.get(i, p) * b.get(p, j);
                }
                out[i * n + j] = alpha * s + beta * c0.get(i, j);
            }
        }
        return out;
    }

    /**
     * Shapes big enough for the backend to split C over 3 threads (more than 2 x CpuBackend.PARALLEL_GEMM_MIN_FLOPS
     * multiply-adds), with sizes that are not multiples of the 16-row or 16-column blocks: by rows where m >= n, by
     * columns where m &lt; n.
     */
    private static final int[][] SPLIT_SHAPES = {{131, 97, 45}, {67, 601, 70}, {45, 130, 131}, {200, 33, 200}};

    private static void checkAgainstReference(CpuBackend backend, DType dtype) {
        checkAgainstReference(backend, dtype, SHAPES);
    }

    private static void checkAgainstReference(CpuBackend backend, DType dtype, int[][] shapes) {
        Generator g = new Generator(11);
        double tol = dtype == DType.FLOAT32 ? 1e-4 : 1e-12;
        for (int[] s : shapes) {
            // every combination of transposed operands, each with beta = 0 (C overwritten) and beta != 0 (C updated)
            for (int variant = 0; variant < 8; variant++) {
                boolean ta = (variant & 1) != 0, tb = (variant & 2) != 0;
                Tensor a = matrix(g, dtype, s[0], s[1], ta), b = matrix(g, dtype, s[1], s[2], tb);
                Tensor c = Tensor.randn(g, s[0], s[2]).to(dtype);
                double alpha = variant < 4 ? 1.0 : -0.75, beta = variant < 4 ? 0.0 : 0.5;
                double[] expected = reference(alpha, a, b, beta, c);
                backend.gemm(alpha, a, b, beta, c);
                double[] got = c.toDoubleArray();
                for (int i = 0; i < got.length; i++) {
                    double scale = 1 + Math.abs(expected[i]) + Math.sqrt(s[1]);
                    assertEquals(expected[i], got[i], tol * scale, backend.name() + " " + dtype + " shape " + s[0] + "x"
                            + s[1] + "x" + s[2] + " transA=" + ta + " transB=" + tb + " element " + i);
                }
            }
        }
    }

    /**
     * GEMM on views inside larger arrays: operands with an offset and a leading dimension larger than their rows
     * (row-major and transposed), and C a block of rows of a larger matrix, which must be the only part written.
     */
    private static void checkViews(CpuBackend backend, DType dtype) {
        checkViews(backend, dtype, 7, 13, 5);
    }

    private static void checkViews(CpuBackend backend, DType dtype, int m, int k, int n) {
        Generator g = new Generator(12);
        double tol = dtype == DType.FLOAT32 ? 1e-4 : 1e-12;
        for (int variant = 0; variant < 8; variant++) {
            boolean ta = (variant & 1) != 0, tb = (variant & 2) != 0;
            double alpha = variant < 4 ? 1.0 : 1.5, beta = variant < 4 ? 0.0 : -0.5;
            // a: [m, k] at row 2, column 3 of a [m + 4, k + 6] array (or the transpose of such a block)
            Tensor a = ta ? Tensor.randn(g, k + 4, m + 6).to(dtype).slice(0, 2, 2 + k).slice(1, 3, 3 + m).t()
                    : Tensor.randn(g, m + 4, k + 6).to(dtype).slice(0, 2, 2 + m).slice(1, 3, 3 + k);
            Tensor b = tb ? Tensor.randn(g, n + 3, k + 5).to(dtype).slice(0, 1, 1 + n).slice(1, 4, 4 + k).t()
                    : Tensor.randn(g, k + 3, n + 5).to(dtype).slice(0, 1, 1 + k).slice(1, 4, 4 + n);
            Tensor whole = Tensor.randn(g, m + 3, n).to(dtype);
            double[] before = whole.toDoubleArray();
            Tensor c = whole.slice(0, 2, 2 + m); // contiguous rows, offset 2 * n
            double[] expected = reference(alpha, a, b, beta, c);
            backend.gemm(alpha, a, b, beta, c);
            double[] after = whole.toDoubleArray();
            String what = backend.name() + " " + dtype + " views transA=" + ta + " transB=" + tb + " beta=" + beta;
            for (int i = 0; i < after.length; i++) {
                int row = i / n;
                if (row < 2 || row >= 2 + m) {
                    assertEquals(before[i], after[i], 0.0, what + ": element " + i + " outside C was written");
                } else {
                    double e = expected[i - 2 * n];
                    assertEquals(e, after[i], tol * (1 + Math.abs(e) + Math.sqrt(k)), what + " element " + (i - 2 * n));
                }
            }
        }
    }

    @Test
    void javaKernelsOnViewsInsideLargerArrays() {
        CpuBackend java = new CpuBackend(2, null);
        checkViews(java, DType.FLOAT32);
        checkViews(java, DType.FLOAT64);
        java.shutdown();
    }

    @ParameterizedTest
    @ValueSource(strings = {"system", "bundled"})
    void openBlasOnViewsInsideLargerArrays(String mode) {
        CpuBackend blas = new CpuBackend(2, loadOrSkip(mode));
        checkViews(blas, DType.FLOAT32);
        checkViews(blas, DType.FLOAT64);
    }

    @Test
    void javaKernelsMatchTripleLoop() {
        CpuBackend java = new CpuBackend(2, null);
        checkAgainstReference(java, DType.FLOAT32);
        checkAgainstReference(java, DType.FLOAT64);
        java.shutdown();
    }

    @ParameterizedTest
    @ValueSource(strings = {"system", "bundled"})
    void openBlasMatchesTripleLoop(String mode) {
        CpuBackend blas = new CpuBackend(2, loadOrSkip(mode));
        assertEquals("openblas", blas.name());
        checkAgainstReference(blas, DType.FLOAT32);
        checkAgainstReference(blas, DType.FLOAT64);
    }

    @ParameterizedTest
    @ValueSource(strings = {"system", "bundled"})
    void openBlasSplitOverThreadsMatchesTripleLoop(String mode) {
        // OpenBLAS runs single-threaded and the backend's pool calls it once per block of rows or columns of C:
        // each block's operands and result start at their own offsets, inside views too
        CpuBackend blas = new CpuBackend(3, loadOrSkip(mode));
        try {
            for (DType dtype : DType.values()) {
                checkAgainstReference(blas, dtype, SPLIT_SHAPES);
                checkViews(blas, dtype, 131, 97, 45); // rows
                checkViews(blas, dtype, 45, 130, 131); // columns
            }
        } finally {
            blas.shutdown();
        }
    }

    @Test
    void openBlasAndJavaAgree() {
        OpenBlas lib = blasOrSkip();
        CpuBackend java = new CpuBackend(2, null), blas = new CpuBackend(2, lib);
        Generator g = new Generator(5);
        Tensor a = Tensor.randn(g, 128, 300), w = Tensor.randn(g, 64, 300);
        Tensor cj = Tensor.zeros(128, 64), cb = Tensor.zeros(128, 64);
        java.gemm(1.0, a, w.t(), 0.0, cj);
        blas.gemm(1.0, a, w.t(), 0.0, cb);
        float[] x = cj.toFloatArray(), y = cb.toFloatArray();
        for (int i = 0; i < x.length; i++) {
            assertEquals(x[i], y[i], 1e-4f * (1 + Math.abs(x[i])), "element " + i);
        }
        java.shutdown();
    }

    @Test
    void javaKernelsAreBitwiseTheSameForAnyThreadCount() {
        Generator g = new Generator(3);
        // 67 rows split 3 ways leaves rows outside the 4-row blocks, which must still sum in the same order
        Tensor a = Tensor.randn(g, 67, 601), b = Tensor.randn(g, 601, 70);
        Tensor c1 = Tensor.zeros(67, 70), c3 = Tensor.zeros(67, 70);
        CpuBackend one = new CpuBackend(1, null), three = new CpuBackend(3, null);
        one.gemm(1.0, a, b, 0.0, c1);
        three.gemm(1.0, a, b, 0.0, c3);
        assertArrayEquals(c1.toFloatArray(), c3.toFloatArray());
        three.shutdown();
    }

    @Test
    void openBlasIsDeterministicForAFixedThreadCount() {
        CpuBackend blas = new CpuBackend(2, blasOrSkip());
        Generator g = new Generator(4);
        Tensor a = Tensor.randn(g, 128, 784), w = Tensor.randn(g, 256, 784);
        Tensor c1 = Tensor.zeros(128, 256), c2 = Tensor.zeros(128, 256);
        blas.gemm(1.0, a, w.t(), 0.0, c1);
        blas.gemm(1.0, a, w.t(), 0.0, c2);
        assertArrayEquals(c1.toFloatArray(), c2.toFloatArray());
    }

    @Test
    void forcedJavaLoadsNothingAndStillComputes() {
        assertNull(OpenBlas.load("java"));
        assertNull(OpenBlas.load("no-such-mode"), "an unknown jgrad.blas value falls back to Java");
        CpuBackend java = new CpuBackend(1, OpenBlas.load("java"));
        assertEquals("java", java.name());
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3), b = Tensor.of(new float[] {1, 0, 0, 1, 2, 3}, 3, 2);
        Tensor c = Tensor.zeros(2, 2);
        java.gemm(1.0, a, b, 0.0, c);
        assertArrayEquals(new float[] {7, 11, 16, 23}, c.toFloatArray());
    }

    /**
     * A training step makes a dozen OpenBLAS calls on the same arrays at the same offsets, step after step: called
     * again on them, sgemm and dgemm allocate nothing (they used to make two heap segments and a session per operand,
     * 216 bytes a call even once compiled), and they still read each operand where its offset says. The JDK's own
     * one-time work (the downcall handle's code is generated on first use and again after some hundreds of calls)
     * allocates in the first rounds, so the test asks for a round that allocated nothing.
     */
    @Test
    void gemmCalledAgainOnTheSameArraysAllocatesNothing() {
        OpenBlas blas = blasOrSkip();
        var threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        // A [1, 2] at offsets 1 and 3 of one array (rows {1, 2} and {3, 4}), B [2, 1] transposed at offset 0: {1, 10}
        float[] af = {0, 1, 2, 3, 4}, bf = {1, 10}, cf = new float[3];
        double[] ad = {0, 1, 2, 3, 4}, bd = {1, 10}, cd = new double[3];
        long least = Long.MAX_VALUE;
        for (int round = 0; round < 10; round++) {
            long before = threads.getCurrentThreadAllocatedBytes();
            for (int i = 0; i < 1000; i++) {
                blas.sgemm(false, true, 1, 1, 2, 1f, af, 1, 2, bf, 0, 2, 0f, cf, 1, 1);
                blas.sgemm(false, true, 1, 1, 2, 1f, af, 3, 2, bf, 0, 2, 0f, cf, 2, 1);
                blas.dgemm(false, true, 1, 1, 2, 1, ad, 1, 2, bd, 0, 2, 0, cd, 1, 1);
                blas.dgemm(false, true, 1, 1, 2, 1, ad, 3, 2, bd, 0, 2, 0, cd, 2, 1);
            }
            least = Math.min(least, threads.getCurrentThreadAllocatedBytes() - before);
        }
        assertArrayEquals(new float[] {0, 21, 43}, cf); // 1 + 2 x 10, 3 + 4 x 10
        assertArrayEquals(new double[] {0, 21, 43}, cd);
        assertEquals(0, least, "bytes allocated by the fewest of 10 rounds of 4000 calls on the same operands");
    }

    /** The segments gemm keeps for the next call hold their arrays weakly: a dropped array can be collected. */
    @Test
    void gemmDoesNotKeepItsArraysAlive() throws InterruptedException {
        OpenBlas blas = blasOrSkip();
        float[] a = new float[1 << 20];
        blas.sgemm(false, false, 1, 1, 1, 1f, a, 5, 1, new float[1], 0, 1, 0f, new float[1], 0, 1);
        var dropped = new java.lang.ref.WeakReference<>(a);
        a = null;
        for (int i = 0; i < 20 && dropped.get() != null; i++) {
            System.gc();
            Thread.sleep(10);
        }
        // not assertNull, which would print the array's million elements
        assertTrue(dropped.get() == null, "an array passed to sgemm, then dropped, outlived 20 collections");
    }

    @Test
    void nativeCallRejectsMatricesThatDoNotFitTheirArrays() {
        OpenBlas blas = blasOrSkip();
        float[] small = new float[5];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> blas.sgemm(false, false,
                2, 2, 3, 1f, small, 0, 3, new float[6], 0, 2, 0f, new float[4], 0, 2));
        assertTrue(e.getMessage().contains("matrix A [2, 3]"), e.getMessage());
    }

    @Test
    void matmulThroughTheDefaultBackendMatchesTripleLoop() {
        Generator g = new Generator(9);
        Tensor a = Tensor.randn(g, 9, 31), b = Tensor.randn(g, 8, 31).t();
        double[] expected = reference(1.0, a, b, 0.0, Tensor.zeros(9, 8));
        double[] got = a.matmul(b).toDoubleArray();
        for (int i = 0; i < got.length; i++) {
            assertEquals(expected[i], got[i], 1e-4 * (1 + Math.abs(expected[i])), Backends.name() + " element " + i);
        }
    }
}
