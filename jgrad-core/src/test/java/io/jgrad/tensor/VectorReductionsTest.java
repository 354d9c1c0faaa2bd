package io.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class VectorReductionsTest {
    @Test
    void sumsEqualPlainDoubleLoopsOnAwkwardLengthsAndOffsets() {
        Assumptions.assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
                "the JVM runs without --add-modules jdk.incubator.vector");
        Reductions r = Reductions.VECTOR;
        assertNotNull(r, "the Vector API reductions should load where the module is present");
        Random rnd = new Random(7);
        float[] x = new float[2000], g = new float[2000];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (rnd.nextGaussian() * 3 + 1); // a mean away from 0: the deviations matter
            g[i] = (float) rnd.nextGaussian();
        }
        for (int len : new int[] {0, 1, 3, 7, 8, 15, 16, 17, 31, 33, 196, 784, 1001}) {
            for (int off : new int[] {0, 1, 5, 13}) {
                double sum = 0, sq = 0, sg = 0, sgx = 0, mu = 0.75;
                for (int j = off; j < off + len; j++) {
                    sum += x[j];
                    sq += (x[j] - mu) * (x[j] - mu);
                }
                int gOff = off + 3;
                for (int j = 0; j < len; j++) {
                    sg += g[gOff + j];
                    sgx += g[gOff + j] * (x[off + j] - mu);
                }
                String at = "len " + len + " off " + off;
                assertEquals(sum, r.sum(x, off, len), 1e-12 * Math.max(1, len * 4.0), "sum " + at);
                assertEquals(sq, r.squaredDeviations(x, off, len, mu), 1e-12 * Math.max(1, sq), "squares " + at);
                double[] sumG = {0, 10}, sumGX = {0, -5}; // adds into index k = 1
                r.gradSums(g, gOff, x, off, len, mu, sumG, sumGX, 1);
                assertEquals(0, sumG[0]);
                assertEquals(10 + sg, sumG[1], 1e-12 * Math.max(1, len * 4.0), "sum of g " + at);
                assertEquals(-5 + sgx, sumGX[1], 1e-12 * Math.max(1, len * 12.0), "sum of g (x - mu) " + at);
            }
        }
    }

    /**
     * The same bits whether the JIT has compiled the reductions or not: reduceLanes(ADD) leaves the order of its
     * additions open, and its compiled form added the lanes in another order than the interpreted one, so the same
     * gradient's norm differed in the last digit between two runs (metrics.csv after --resume, found by a QA pass).
     * The lanes are now added in lane order; this compares every call, before and after compilation, with that sum
     * written out in plain Java.
     */
    @Test
    void theSameBitsBeforeAndAfterTheJitCompilesThem() {
        Assumptions.assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent(),
                "the JVM runs without --add-modules jdk.incubator.vector");
        Reductions r = Reductions.VECTOR;
        int lanes = jdk.incubator.vector.DoubleVector.SPECIES_PREFERRED.length();
        Random rnd = new Random(11);
        float[][] xs = new float[16][], gs = new float[16][];
        for (int t = 0; t < xs.length; t++) {
            int len = 4 * lanes + rnd.nextInt(3 * lanes);
            xs[t] = new float[len];
            gs[t] = new float[len];
            for (int i = 0; i < len; i++) { // magnitudes 1e-3 to 1e4: an order of additions shows in the last bits
                xs[t][i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(8) - 3));
                gs[t][i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(8) - 3));
            }
        }
        double mu = 0.3;
        for (int round = 0; round < 3000; round++) { // enough calls for C2 to compile the reductions
            for (int t = 0; t < xs.length; t++) {
                float[] x = xs[t], g = gs[t];
                int len = x.length;
                assertEquals(plainSum(x, len, lanes), r.sum(x, 0, len), 0, "sum, call " + round);
                assertEquals(plainSquares(x, len, lanes, mu), r.squaredDeviations(x, 0, len, mu), 0, "squares, call " + round);
                double[] sumG = {0}, sumGX = {0};
                r.gradSums(g, 0, x, 0, len, mu, sumG, sumGX, 0);
                double[] expected = plainGradSums(g, x, len, lanes, mu);
                assertEquals(expected[0], sumG[0], 0, "sum of g, call " + round);
                assertEquals(expected[1], sumGX[0], 0, "sum of g (x - mu), call " + round);
            }
        }
    }

    /** VectorReductions.sum lane by lane: two accumulators per lane over blocks of 2 L, lanes added in order, then the tail. */
    private static double plainSum(float[] x, int len, int lanes) {
        double[] a = new double[lanes], b = new double[lanes];
        int j = 0;
        for (; j + 2 * lanes <= len; j += 2 * lanes) {
            for (int i = 0; i < lanes; i++) {
                a[i] += x[j + i];
                b[i] += x[j + lanes + i];
            }
        }
        double s = inLaneOrder(a, b);
        for (; j < len; j++) {
            s += x[j];
        }
        return s;
    }

    private static double plainSquares(float[] x, int len, int lanes, double mu) {
        double[] a = new double[lanes], b = new double[lanes];
        int j = 0;
        for (; j + 2 * lanes <= len; j += 2 * lanes) {
            for (int i = 0; i < lanes; i++) {
                double d0 = x[j + i] - mu, d1 = x[j + lanes + i] - mu;
                a[i] = Math.fma(d0, d0, a[i]);
                b[i] = Math.fma(d1, d1, b[i]);
            }
        }
        double s = inLaneOrder(a, b);
        for (; j < len; j++) {
            double d = x[j] - mu;
            s += d * d;
        }
        return s;
    }

    private static double[] plainGradSums(float[] g, float[] x, int len, int lanes, double mu) {
        double[] sg = new double[lanes], sgx = new double[lanes];
        int j = 0;
        for (; j + lanes <= len; j += lanes) {
            for (int i = 0; i < lanes; i++) {
                sg[i] += g[j + i];
                sgx[i] = Math.fma(g[j + i], x[j + i] - mu, sgx[i]);
            }
        }
        double s0 = inLaneOrder(sg, new double[lanes]), s1 = inLaneOrder(sgx, new double[lanes]);
        for (; j < len; j++) {
            double v = g[j];
            s0 += v;
            s1 += v * (x[j] - mu);
        }
        return new double[] {s0, s1};
    }

    /** (a + b) lane by lane, then the lanes added from the first to the last. */
    private static double inLaneOrder(double[] a, double[] b) {
        double s = a[0] + b[0];
        for (int i = 1; i < a.length; i++) {
            s += a[i] + b[i];
        }
        return s;
    }
}
