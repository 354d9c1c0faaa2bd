package io.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Vector API float32 GEMM ({@link VectorSgemm}) against a plain triple loop in float64 on awkward shapes
 * (1x1, sizes that are not multiples of the 8 x 32 tile or of the vector width, K cut into several blocks),
 * transposed and strided views, alpha and beta; plus its thread-count determinism and how it is chosen. The
 * kernel is checked on any CPU: where it has no 512-bit vectors the Vector API emulates them (slowly, but the
 * results are the same), which is why {@link CpuBackend} does not choose it there.
 */
class VectorSgemmTest {
    private static final int[][] SHAPES = {{1, 1, 1}, {7, 13, 5}, {8, 32, 1}, {9, 33, 17}, {33, 17, 65}, {5, 1, 9},
            {1, 40, 3}, {70, 130, 45}, {16, 64, 256}, {10, 70, 300}, {3, 5, 520}};

    @BeforeAll
    static void needsTheModule() {
        Assumptions.assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
                "run with --add-modules jdk.incubator.vector (the surefire configuration does)");
    }

    private static CpuBackend vectorBackend(int threads) {
        return new CpuBackend(threads, null, new VectorSgemm());
    }

    /** A [rows, cols] float32 matrix stored row-major or (transposed = true) as the transpose of a [cols, rows] one. */
    private static Tensor matrix(Generator g, int rows, int cols, boolean transposed) {
        return transposed ? Tensor.randn(g, cols, rows).t() : Tensor.randn(g, rows, cols);
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

    private static void assertClose(double[] expected, Tensor c, int k, String what) {
        double[] got = c.toDoubleArray();
        for (int i = 0; i < got.length; i++) {
            double scale = 1 + Math.abs(expected[i]) + Math.sqrt(k);
            assertEquals(expected[i], got[i], 1e-4 * scale, what + " element " + i);
        }
    }

    @Test
    void matchesTripleLoopOnAwkwardShapesTransposesAlphaAndBeta() {
        Generator g = new Generator(21);
        for (int threads : new int[] {1, 3}) {
            CpuBackend backend = vectorBackend(threads);
            assertEquals("vector", backend.name());
            for (int[] s : SHAPES) {
                for (int variant = 0; variant < 4; variant++) {
                    boolean ta = (variant & 1) != 0, tb = (variant & 2) != 0;
                    Tensor a = matrix(g, s[0], s[1], ta), b = matrix(g, s[1], s[2], tb);
                    Tensor c = Tensor.randn(g, s[0], s[2]);
                    double alpha = variant == 3 ? -0.75 : 1.0, beta = variant == 0 ? 0.0 : variant == 2 ? 1.0 : 0.5;
                    double[] expected = reference(alpha, a, b, beta, c);
                    backend.gemm(alpha, a, b, beta, c);
                    assertClose(expected, c, s[1], "threads=" + threads + " shape " + s[0] + "x" + s[1] + "x" + s[2]
                            + " transA=" + ta + " transB=" + tb + " alpha=" + alpha + " beta=" + beta);
                }
            }
            backend.shutdown();
        }
    }

    @Test
    void readsStridedViewsInPlaceAndLeavesTheRestOfCAlone() {
        Generator g = new Generator(22);
        CpuBackend backend = vectorBackend(2);
        // a column slice (row stride 50 > 37 columns, offset 5) and a row slice of a transposed matrix (offset 10)
        Tensor a = Tensor.randn(g, 19, 50).slice(1, 5, 42);
        Tensor b = Tensor.randn(g, 45, 60).t().slice(0, 10, 47);
        Tensor c = Tensor.randn(g, 19, 45);
        double[] expected = reference(1.0, a, b, 0.0, c);
        backend.gemm(1.0, a, b, 0.0, c);
        assertClose(expected, c, 37, "strided views");
        backend.shutdown();
    }

    @Test
    void blocksOfMNAndKBeyondOnePackingBuffer() {
        // m > MC, n > NC and k in two blocks: the blocked loops must cover every element exactly once
        int m = VectorSgemm.MC + 5, n = VectorSgemm.NC + 37, k = VectorSgemm.KC + 13;
        Generator g = new Generator(25);
        Tensor a = Tensor.randn(g, m, k), w = Tensor.randn(g, n, k), c = Tensor.randn(g, m, n);
        float[] x = a.toFloatArray(), y = w.toFloatArray(), c0 = c.toFloatArray();
        CpuBackend backend = vectorBackend(2);
        backend.gemm(2.0, a, w.t(), 0.5, c);
        float[] got = c.toFloatArray();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += (double) x[i * k + p] * y[j * k + p];
                }
                double expected = 2.0 * s + 0.5 * c0[i * n + j];
                assertEquals(expected, got[i * n + j], 1e-4 * (1 + Math.abs(expected) + Math.sqrt(k)), "element " + i + ", " + j);
            }
        }
        backend.shutdown();
    }

    @Test
    void packingCopiesEveryLayoutExactly() {
        // row-major and transposed operands (the 16 x 16 transposes), sizes around multiples of 16 and of the tile,
        // an offset and a leading dimension larger than the row: panels must equal their definition bit for bit
        java.util.Random r = new java.util.Random(26);
        float[] t = new float[VectorSgemm.T_SCRATCH];
        for (int[] s : new int[][] {{1, 1}, {8, 16}, {16, 16}, {17, 33}, {32, 47}, {40, 64}, {33, 5}, {50, 256}}) {
            int rows = s[0], kc = s[1], ld = kc + 3, off = 7;
            float[] x = new float[off + Math.max(rows, kc) * (ld + rows + 3)];
            for (int i = 0; i < x.length; i++) {
                x[i] = r.nextFloat() - 0.5f;
            }
            for (boolean transposed : new boolean[] {false, true}) {
                // op(X)(i, p) for i < rows, p < kc: row-major with row stride ld, or the transpose of such a matrix
                int rs = transposed ? 1 : ld, cs = transposed ? rows + 3 : 1;
                int panelsA = (rows + VectorSgemm.MR - 1) / VectorSgemm.MR, panelsB = (rows + VectorSgemm.NR - 1) / VectorSgemm.NR;
                // packA may write MR floats of slack past its panels
                float[] ap = new float[panelsA * VectorSgemm.MR * kc + VectorSgemm.MR], bp = new float[panelsB * VectorSgemm.NR * kc];
                java.util.Arrays.fill(ap, Float.NaN);
                java.util.Arrays.fill(bp, Float.NaN);
                VectorSgemm.packA(x, off, rs, cs, kc, rows, ap, t);
                // the same operand ending where the array ends: the copies that would read past it go float by float
                float[] tight = java.util.Arrays.copyOf(x, off + (rows - 1) * rs + (kc - 1) * cs + 1);
                float[] apTight = new float[ap.length];
                VectorSgemm.packA(tight, off, rs, cs, kc, rows, apTight, t);
                assertArrayEquals(java.util.Arrays.copyOf(ap, ap.length - VectorSgemm.MR),
                        java.util.Arrays.copyOf(apTight, ap.length - VectorSgemm.MR), "A from an array that ends with it");
                // B's columns are X's rows: op(B)(p, j) = op(X)(j, p)
                VectorSgemm.packB(x, off, cs, rs, kc, 0, rows, bp, t);
                for (int i = 0; i < panelsA * VectorSgemm.MR; i++) {
                    for (int p = 0; p < kc; p++) {
                        float want = i < rows ? x[off + i * rs + p * cs] : 0f;
                        int ip = i / VectorSgemm.MR;
                        assertEquals(want, ap[(ip * kc + p) * VectorSgemm.MR + i % VectorSgemm.MR],
                                "A " + rows + "x" + kc + " transposed=" + transposed + " (" + i + ", " + p + ")");
                    }
                }
                for (int j = 0; j < panelsB * VectorSgemm.NR; j++) {
                    for (int p = 0; p < kc; p++) {
                        float want = j < rows ? x[off + j * rs + p * cs] : 0f;
                        int jp = j / VectorSgemm.NR;
                        assertEquals(want, bp[(jp * kc + p) * VectorSgemm.NR + j % VectorSgemm.NR],
                                "B " + kc + "x" + rows + " transposed=" + !transposed + " (" + p + ", " + j + ")");
                    }
                }
            }
        }
    }

    @Test
    void betaZeroDoesNotReadC() {
        CpuBackend backend = vectorBackend(1);
        Tensor a = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3), b = Tensor.of(new float[] {1, 0, 0, 1, 2, 3}, 3, 2);
        Tensor c = Tensor.of(new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NaN, Float.NaN}, 2, 2);
        backend.gemm(1.0, a, b, 0.0, c);
        assertArrayEquals(new float[] {7, 11, 16, 23}, c.toFloatArray());
    }

    @Test
    void bitwiseTheSameForAnyThreadCount() {
        Generator g = new Generator(23);
        // 784 columns = 24.5 panels of 32 and K = 600 in three blocks: every split leaves partial panels
        Tensor a = Tensor.randn(g, 67, 600), b = Tensor.randn(g, 784, 600).t();
        Tensor c1 = Tensor.zeros(67, 784), c3 = Tensor.zeros(67, 784);
        CpuBackend one = vectorBackend(1), three = vectorBackend(3);
        one.gemm(1.0, a, b, 0.0, c1);
        three.gemm(1.0, a, b, 0.0, c3);
        assertArrayEquals(c1.toFloatArray(), c3.toFloatArray());
        // more rows than columns: the threads split C's rows (603 = 75 panels of 8 and 3 rows), beta 1 onto C
        Tensor tall = Tensor.randn(g, 603, 300), right = Tensor.randn(g, 67, 300).t(), start = Tensor.randn(g, 603, 67);
        Tensor r1 = start.copy(), r3 = start.copy();
        double[] expected = reference(1.0, tall, right, 1.0, start);
        one.gemm(1.0, tall, right, 1.0, r1);
        three.gemm(1.0, tall, right, 1.0, r3);
        assertArrayEquals(r1.toFloatArray(), r3.toFloatArray());
        assertClose(expected, r3, 300, "row split");
        one.shutdown();
        three.shutdown();
    }

    @Test
    void aLongKIsSplitIntoPartsAddedInOrderTheSameOnAnyThreadCount() {
        // a small C with a long K (the MLP's first layer: 128 x 256, K = 784): K is cut into parts by shape alone
        assertEquals(2, CpuBackend.kParts(128, 256, 784));
        assertEquals(1, CpuBackend.kParts(128, 256, 700), "parts of at least 384");
        assertEquals(1, CpuBackend.kParts(128, 1024, 784), "C too large to keep partial copies of");
        assertEquals(8, CpuBackend.kParts(256, 128, 100_000), "at most 8 parts");
        assertEquals(1, CpuBackend.kParts(64, 288, 100_000), "C too small to gain from it");
        Generator g = new Generator(27);
        CpuBackend one = vectorBackend(1), three = vectorBackend(3);
        // 3 parts of a K of 1163 (starts 0, 384, 768), transposed operands, alpha and beta; C of 131 x 255 (partial
        // panels and tiles)
        assertEquals(3, CpuBackend.kParts(131, 255, 1163));
        for (boolean transposed : new boolean[] {false, true}) {
            Tensor a = matrix(g, 131, 1163, transposed), b = matrix(g, 1163, 255, !transposed);
            Tensor start = Tensor.randn(g, 131, 255), c1 = start.copy(), c3 = start.copy();
            double[] expected = reference(-0.5, a, b, 0.25, start);
            one.gemm(-0.5, a, b, 0.25, c1);
            three.gemm(-0.5, a, b, 0.25, c3);
            assertArrayEquals(c1.toFloatArray(), c3.toFloatArray(), "transposed=" + transposed);
            assertClose(expected, c3, 1163, "K split, transposed=" + transposed);
        }
        one.shutdown();
        three.shutdown();
    }

    @Test
    void float64StaysOnTheOtherPath() {
        Generator g = new Generator(24);
        CpuBackend backend = vectorBackend(2);
        Tensor a = Tensor.randn(g, 9, 33).to(DType.FLOAT64), b = Tensor.randn(g, 33, 17).to(DType.FLOAT64);
        Tensor c = Tensor.zeros(DType.FLOAT64, 9, 17);
        double[] expected = reference(1.0, a, b, 0.0, c);
        backend.gemm(1.0, a, b, 0.0, c);
        double[] got = c.toDoubleArray();
        for (int i = 0; i < got.length; i++) {
            assertEquals(expected[i], got[i], 1e-12 * (1 + Math.abs(expected[i])), "float64 element " + i);
        }
        backend.shutdown();
    }

    @Test
    void choiceFollowsTheSystemPropertyAndTheCpu() {
        assertNull(CpuBackend.loadVector("blas"), "jgrad.sgemm=blas never uses the Vector API kernel");
        CpuBackend.FloatGemm auto = CpuBackend.loadVector("auto");
        assertEquals(VectorSgemm.supported(), auto != null, "auto uses the kernel exactly when the CPU has 512-bit vectors");
        assertEquals(auto != null, CpuBackend.loadVector("no-such-mode") != null, "an unknown value acts as auto");
    }
}
