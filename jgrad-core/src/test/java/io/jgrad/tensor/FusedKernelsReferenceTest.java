package io.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The fused element-wise kernels of {@link FloatKernels} (the optimizer updates, which go to {@link VectorUpdates}
 * where the Vector API is loaded; axpby; log-softmax and cross-entropy), the in-place case of the
 * {@link VectorUnaryKernels}, and the batch-norm channel kernels of {@link FloatConvKernels} (which sum through
 * {@link VectorReductions}) against scalar references, table-driven over lengths around the 16-float vector width
 * (0, 1, 15, 16, 17, 31, 32, 33, 47, 48, 49), offsets, in place, special values and thread counts. They call the
 * dispatching entry points, so the same tests check the plain loops in the surefire execution that runs with
 * {@code -Djgrad.vector=false} (see jgrad-core's pom).
 */
class FusedKernelsReferenceTest {
    private static final int[] LENGTHS = {0, 1, 15, 16, 17, 31, 32, 33, 47, 48, 49};
    private static final float[] SPECIAL = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f,
        1e-39f, -3e-40f, Float.MIN_VALUE, Float.MIN_NORMAL, -Float.MIN_NORMAL};

    /** Whether this JVM runs the Vector API kernels: the module is there and -Djgrad.vector=false was not given. */
    static boolean vectorLoaded() {
        return Boolean.parseBoolean(System.getProperty("jgrad.vector", "true"))
                && ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
    }

    @Test
    void theKernelsInUseAreTheOnesThisJvmAskedFor() {
        boolean vector = vectorLoaded();
        assertEquals(vector, Updates.VECTOR != null, "Updates");
        assertEquals(vector, UnaryKernels.VECTOR != null, "UnaryKernels");
        assertEquals(vector, Reductions.VECTOR != null, "Reductions");
        assertEquals(vector, Pixels.VECTOR != null, "Pixels");
    }

    private static float[] values(Random r, int n, boolean specials, boolean positive) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            float v = specials && r.nextInt(5) == 0 ? SPECIAL[r.nextInt(SPECIAL.length)] : (float) r.nextGaussian();
            x[i] = positive ? Math.abs(v) : v;
        }
        return x;
    }

    private static float flush(float x, boolean flush) {
        return flush && Math.abs(x) < Float.MIN_NORMAL ? 0f : x;
    }

    private static void assertBitwise(float[] want, float[] got, String what) {
        for (int i = 0; i < want.length; i++) {
            assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]),
                    what + " at " + i + ": " + got[i] + ", expected " + want[i]);
        }
    }

    /**
     * FloatKernels.adam and momentum against the scalar loop of their documentation, bitwise, with subnormal state
     * stored as zero exactly when the Vector API is loaded: every length of the table, the arrays at one offset (the
     * vector kernel) and at four different ones, gradients and state with NaN, infinities, zeros and subnormals.
     */
    @Test
    void optimizerUpdatesEqualTheirScalarDefinition() {
        Random r = new Random(8);
        boolean flush = vectorLoaded();
        float beta1 = 0.9f, a1 = 0.1f, beta2 = 0.999f, a2 = 0.001f, ns = -1e-3f, bc2 = 0.05f, eps = 1e-8f;
        for (int n : LENGTHS) {
            for (int[] off : new int[][] {{0, 0, 0, 0}, {3, 3, 3, 3}, {1, 2, 0, 5}}) {
                float[] p = values(r, off[0] + n + 2, true, false), g = values(r, off[1] + n + 2, true, false);
                float[] m = values(r, off[2] + n + 2, true, false), v = values(r, off[3] + n + 2, true, true);
                float[] wp = p.clone(), wm = m.clone(), wv = v.clone();
                for (int i = 0; i < n; i++) {
                    float gi = g[off[1] + i];
                    float mi = flush(wm[off[2] + i] * beta1 + a1 * gi, flush);
                    float vi = flush(wv[off[3] + i] * beta2 + a2 * gi * gi, flush);
                    wm[off[2] + i] = mi;
                    wv[off[3] + i] = vi;
                    wp[off[0] + i] += ns * mi / ((float) Math.sqrt(vi) / bc2 + eps);
                }
                FloatKernels.adam(p, off[0], g, off[1], m, off[2], v, off[3], n, beta1, a1, beta2, a2, ns, bc2, eps);
                String what = "adam n=" + n + " offsets " + java.util.Arrays.toString(off);
                assertBitwise(wp, p, what + ": p");
                assertBitwise(wm, m, what + ": m");
                assertBitwise(wv, v, what + ": v");

                float[] q = values(r, off[0] + n + 2, true, false), buf = values(r, off[2] + n + 2, true, false);
                float[] wq = q.clone(), wb = buf.clone();
                for (int i = 0; i < n; i++) {
                    float b = flush(wb[off[2] + i] * 0.9f + 0.75f * g[off[1] + i], flush);
                    wb[off[2] + i] = b;
                    wq[off[0] + i] += -0.05f * b;
                }
                FloatKernels.momentum(q, off[0], g, off[1], buf, off[2], n, 0.9f, 0.75f, -0.05f);
                what = "momentum n=" + n + " offsets " + java.util.Arrays.toString(off);
                assertBitwise(wq, q, what + ": p");
                assertBitwise(wb, buf, what + ": buffer");
            }
        }
    }

    /**
     * Through the public FusedUpdates: a parameter that is a contiguous slice of a larger tensor (offset 1, its
     * gradient and state at 0) gets the same parameter and state bits as a parameter of its own, subnormal state
     * stored as zero in both where the Vector API is loaded (it was flushed only when every offset was the same).
     */
    @Test
    void subnormalStateIsFlushedWhereverTheParameterLies() {
        int n = 21;
        Random r = new Random(14);
        float[] p0 = values(r, n, false, false), g0 = values(r, n, false, false), m0 = values(r, n, false, false);
        float[] v0 = values(r, n, false, true);
        for (int i = 0; i < n; i += 3) {
            g0[i] = 0f;
            m0[i] = 1e-39f; // 0.9 m is subnormal
        }
        float[][] results = new float[2][];
        for (int k = 0; k < 2; k++) {
            Tensor whole = Tensor.zeros(n + 1), p = k == 0 ? Tensor.of(p0.clone(), n) : whole.slice(0, 1, n + 1);
            Tensor g = Tensor.of(g0.clone(), n), m = Tensor.of(m0.clone(), n), v = Tensor.of(v0.clone(), n);
            Tensor q = k == 0 ? Tensor.of(p0.clone(), n) : Tensor.zeros(n + 1).slice(0, 1, n + 1);
            Tensor buf = Tensor.of(m0.clone(), n);
            try (var s = Tensor.noGrad()) {
                if (k == 1) {
                    p.copy_(Tensor.of(p0.clone(), n));
                    q.copy_(Tensor.of(p0.clone(), n));
                }
                FusedUpdates.adam_(p, g, m, v, 0.9, 0.999, 1e-3, 0.05, 1e-8);
                FusedUpdates.momentum_(q, g, buf, 0.9, 0, 0.05);
            }
            assertEquals(k == 1 ? 1 : 0, p.offset, "the slice's offset");
            float[] all = new float[5 * n];
            for (int j = 0; j < 5; j++) {
                System.arraycopy(new Tensor[] {p, m, v, q, buf}[j].toFloatArray(), 0, all, j * n, n);
            }
            results[k] = all;
            for (int i = 0; i < n; i += 3) {
                float mi = m.toFloatArray()[i], bi = buf.toFloatArray()[i];
                assertEquals(vectorLoaded(), mi == 0f, "m[" + i + "] = " + mi + " with the parameter at offset " + p.offset);
                assertEquals(vectorLoaded(), bi == 0f, "buffer[" + i + "] = " + bi + " with the parameter at offset " + q.offset);
            }
        }
        assertBitwise(results[0], results[1], "parameter at offset 1 against one of its own");
    }

    /** The updates split over 1, 2 and 3 threads (ranges off the vector grid) give the same bits. */
    @Test
    void optimizerUpdatesAreBitwiseTheSameOnAnyThreadCount() {
        int n = 3 * (int) CpuBackend.PARALLEL_MIN_ELEMENTS + 7;
        Random r = new Random(9);
        float[] p0 = values(r, n, true, false), g0 = values(r, n, true, false), m0 = values(r, n, true, false);
        float[] v0 = values(r, n, true, true);
        float[][] first = null;
        for (int threads = 1; threads <= 3; threads++) {
            CpuBackend backend = new CpuBackend(threads, null, null);
            try {
                Tensor p = Tensor.of(p0.clone(), n), g = Tensor.of(g0, n), m = Tensor.of(m0.clone(), n);
                Tensor v = Tensor.of(v0.clone(), n), q = Tensor.of(p0.clone(), n), buf = Tensor.of(m0.clone(), n);
                backend.adam(p, g, m, v, 0.9, 0.999, 1e-3, 0.05, 1e-8);
                backend.momentum(q, g, buf, 0.9, 0.25, 0.05);
                float[][] got = {p.toFloatArray(), m.toFloatArray(), v.toFloatArray(), q.toFloatArray(), buf.toFloatArray()};
                if (first == null) {
                    first = got;
                } else {
                    for (int k = 0; k < got.length; k++) {
                        assertBitwise(first[k], got[k], "array " + k + " with " + threads + " threads against 1");
                    }
                }
            } finally {
                backend.shutdown();
            }
        }
    }

    /** y = alpha y + beta x against its scalar expression, bitwise: alpha 1 and not, offsets, and x = y in place. */
    @Test
    void axpbyEqualsItsScalarExpression() {
        Random r = new Random(10);
        for (int n : LENGTHS) {
            for (float alpha : new float[] {1f, -0.5f}) {
                float[] y = values(r, n + 4, true, false), x = values(r, n + 6, true, false), want = y.clone();
                for (int i = 0; i < n; i++) {
                    want[1 + i] = alpha == 1f ? want[1 + i] + 0.25f * x[5 + i] : alpha * want[1 + i] + 0.25f * x[5 + i];
                }
                FloatKernels.axpby(alpha, y, 1, 0.25f, x, 5, n);
                assertBitwise(want, y, "axpby n=" + n + " alpha=" + alpha);
                float[] same = values(r, n + 4, false, false), wantSame = same.clone();
                for (int i = 0; i < n; i++) {
                    wantSame[2 + i] = alpha * wantSame[2 + i] + 0.25f * wantSame[2 + i];
                }
                FloatKernels.axpby(alpha, same, 2, 0.25f, same, 2, n);
                assertBitwise(wantSame, same, "axpby in place n=" + n + " alpha=" + alpha);
            }
        }
    }

    /**
     * logSoftmax and crossEntropy (and its backward) against double references on rows of 1, 15, 16, 17 and 33
     * classes, from an offset, with large logits and -infinity: within a few float ulps of the double result.
     */
    @Test
    void logSoftmaxAndCrossEntropyMatchDoubleReferences() {
        Random r = new Random(11);
        for (int cols : new int[] {1, 2, 15, 16, 17, 33}) {
            for (int rows : new int[] {1, 7}) {
                int off = 3;
                float[] x = values(r, off + rows * cols, false, false);
                for (int i = off; i < x.length; i++) {
                    x[i] *= 30f;
                }
                x[off + rows * cols - 1] = 1e30f; // one row dominated by a huge logit
                if (cols > 1) {
                    x[off] = Float.NEGATIVE_INFINITY; // a class of probability 0
                }
                int[] target = new int[rows];
                for (int i = 0; i < rows; i++) {
                    target[i] = r.nextInt(cols);
                }
                float[] logp = new float[rows * cols], loss = new float[rows], gx = new float[rows * cols];
                float[] g = {0f, 0f, 0.5f, 0f, -2f, 0f, 1f, 0f, 3f, 0f, 0.25f, 0f, 1f, 0f, 7f};
                FloatKernels.crossEntropy(x, off, rows, cols, target, logp, loss);
                FloatKernels.crossEntropyBackward(logp, rows, cols, target, g, 2, 2, gx);
                for (int i = 0; i < rows; i++) {
                    double max = Double.NEGATIVE_INFINITY, s = 0;
                    for (int j = 0; j < cols; j++) {
                        max = Math.max(max, x[off + i * cols + j]);
                    }
                    for (int j = 0; j < cols; j++) {
                        s += Math.exp(x[off + i * cols + j] - max);
                    }
                    double lse = max + Math.log(s), h = -g[2 + 2 * i];
                    for (int j = 0; j < cols; j++) {
                        double want = x[off + i * cols + j] - lse, got = logp[i * cols + j];
                        String what = rows + "x" + cols + " [" + i + "," + j + "]";
                        if (Double.isInfinite(want)) {
                            assertEquals(want, got, "log-softmax " + what);
                        } else {
                            assertEquals(want, got, 4 * Math.ulp((float) Math.max(Math.abs(want), Math.abs(max))),
                                    "log-softmax " + what);
                        }
                        double wantGx = (j == target[i] ? h : 0) - Math.exp(want) * h;
                        assertEquals(wantGx, gx[i * cols + j], 1e-6 * Math.abs(h) + 1e-30, "cross-entropy backward " + what);
                    }
                    assertEquals(-logp[i * cols + target[i]], loss[i], "loss " + i);
                }
            }
        }
    }

    /**
     * Every function the Vector API unary kernels take, in place (out = x from the same offset) and not: the same
     * bits, on every length of the table and two offsets, with special values among the inputs.
     */
    @Test
    void unaryKernelsGiveTheSameBitsInPlace() {
        Random r = new Random(12);
        for (UnaryOp op : UnaryOp.values()) {
            for (int n : LENGTHS) {
                for (int off : new int[] {0, 5}) {
                    float[] x = values(r, off + n + 3, true, false), out = new float[x.length], inPlace = x.clone();
                    java.util.Arrays.fill(out, 42f);
                    System.arraycopy(x, 0, out, 0, off); // the elements outside the range stay as in the input
                    System.arraycopy(x, off + n, out, off + n, 3);
                    FloatKernels.unary(op, 0.25, 1.5, x, off, out, off, n);
                    FloatKernels.unary(op, 0.25, 1.5, inPlace, off, inPlace, off, n);
                    for (int i = 0; i < x.length; i++) {
                        // a NaN's payload may differ between two calls (see UnaryKernelsTest); NaN stays NaN
                        assertEquals(Float.floatToIntBits(out[i]), Float.floatToIntBits(inPlace[i]),
                                op + " n=" + n + " offset " + off + " at " + i);
                    }
                }
            }
        }
    }

    /**
     * The batch-norm channel kernels against double loops over x viewed as [n, c, s] at an offset: the moments and
     * gradient sums within double rounding of the reference (the vector sums add in another order), the affine
     * and input-gradient passes bitwise (their float expressions are the reference's).
     */
    @Test
    void batchNormChannelKernelsMatchDoubleLoops() {
        Random r = new Random(13);
        for (int s : new int[] {1, 7, 8, 15, 16, 17, 33}) {
            for (int[] nc : new int[][] {{1, 1}, {3, 2}}) {
                int n = nc[0], c = nc[1], total = n * c * s;
                for (int xOff : new int[] {0, 3}) {
                    float[] x = values(r, xOff + total, false, false), g = values(r, xOff + total, false, false);
                    for (int i = 0; i < x.length; i++) {
                        x[i] = x[i] * 2 + 5; // a mean away from 0
                    }
                    double[] mean = new double[c], var = new double[c], sumG = new double[c], sumGX = new double[c];
                    double[] scale = new double[c], shift = new double[c], b = new double[c], e = new double[c];
                    float[] y = new float[total], gx = new float[total];
                    for (int k = 0; k < c; k++) {
                        scale[k] = 1.5 + k;
                        shift[k] = -0.25 * k;
                        b[k] = 0.125 * (k + 1);
                        e[k] = -0.5 + k;
                        FloatConvKernels.channelMoments(x, xOff, n, c, s, k, mean, var);
                        FloatConvKernels.channelAffine(x, xOff, n, c, s, k, mean, scale, shift, y);
                        FloatConvKernels.channelGradSums(g, xOff, x, xOff, n, c, s, k, mean, sumG, sumGX);
                        FloatConvKernels.channelGradInput(g, xOff, x, xOff, n, c, s, k, mean, scale, b, e, gx);
                        double sum = 0, sq = 0, sg = 0, sgx = 0, m = (double) n * s;
                        for (int i = 0; i < n; i++) {
                            for (int j = 0; j < s; j++) {
                                sum += x[xOff + (i * c + k) * s + j];
                            }
                        }
                        double mu = sum / m;
                        for (int i = 0; i < n; i++) {
                            for (int j = 0; j < s; j++) {
                                int at = (i * c + k) * s + j;
                                double d = x[xOff + at] - mu;
                                sq += d * d;
                                sg += g[xOff + at];
                                sgx += g[xOff + at] * (x[xOff + at] - mu);
                                float fm = (float) mean[k];
                                assertEquals((x[xOff + at] - fm) * (float) scale[k] + (float) shift[k], y[at], "affine " + at);
                                assertEquals((float) scale[k] * g[xOff + at] + (float) b[k] * (x[xOff + at] - fm) + (float) e[k],
                                        gx[at], "input gradient " + at);
                            }
                        }
                        String what = "s=" + s + " n=" + n + " c=" + c + " k=" + k + " offset " + xOff;
                        assertEquals(mu, mean[k], 1e-14 * Math.abs(mu), "mean " + what);
                        assertEquals(sq / m, var[k], 1e-12 * (sq / m) + 1e-300, "variance " + what);
                        assertEquals(sg, sumG[k], 1e-12 * m, "sum of g " + what);
                        assertEquals(sgx, sumGX[k], 1e-12 * m * 8, "sum of g (x - mean) " + what);
                    }
                }
            }
        }
        assertEquals(0.0, FloatConvKernels.sumRun(new float[] {1f}, 1, 0), "an empty run");
        assertTrue(Double.isNaN(FloatConvKernels.sumRun(new float[] {1f, Float.NaN, 2f}, 0, 3)), "NaN propagates");
    }
}
