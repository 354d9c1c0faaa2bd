package io.jgrad.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The image kernels of {@link FloatConvKernels} and {@link DoubleConvKernels} against their definitions written as
 * plain loops, table-driven over awkward geometries: 1x1 images, kernels larger than the image (the "same" im2col
 * path with padding as wide as the image or wider), strides, dilation, odd sizes; each image placed inside a larger
 * column buffer (an offset and a leading dimension, as a chunk of the batch) whose other elements are sentinels that
 * must stay. Where the reference adds in the kernel's order the results must be bitwise equal.
 */
class ConvKernelsReferenceTest {
    /** {channels, h, w, kernel, stride, padding, dilation}: the first ones take the "same" path (stride 1, k = 2p + 1). */
    private static final int[][] GEOMETRIES = {
        {1, 1, 1, 1, 1, 0, 1}, {2, 1, 1, 3, 1, 1, 1}, {1, 1, 1, 5, 1, 2, 1}, {1, 1, 2, 5, 1, 2, 1}, {1, 3, 1, 5, 1, 2, 1},
        {2, 2, 3, 7, 1, 3, 1}, {1, 1, 17, 5, 1, 2, 1}, {3, 7, 13, 3, 1, 1, 1}, {2, 7, 13, 5, 1, 2, 1}, {1, 4, 4, 9, 1, 4, 1},
        // the general path
        {3, 7, 13, 5, 2, 2, 1}, {1, 1, 1, 3, 2, 2, 1}, {1, 1, 5, 3, 1, 2, 2}, {2, 5, 4, 2, 3, 1, 1}, {1, 6, 6, 3, 1, 0, 2},
        {1, 9, 9, 3, 2, 1, 3}, {2, 7, 13, 5, 1, 0, 1}, {1, 2, 2, 3, 1, 1, 2}, {1, 17, 3, 2, 2, 0, 1}};
    private static final float SENTINEL = -7777f;

    private static int out(int size, int k, int s, int p, int d) {
        return (size + 2 * p - d * (k - 1) - 1) / s + 1;
    }

    private static float[] random(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) r.nextGaussian();
        }
        return x;
    }

    @Test
    void im2colAndCol2imEqualTheirDefinitions() {
        Random r = new Random(5);
        for (int[] g : GEOMETRIES) {
            int c = g[0], h = g[1], w = g[2], k = g[3], s = g[4], p = g[5], d = g[6];
            int ho = out(h, k, s, p, d), wo = out(w, k, s, p, d), plane = ho * wo, rows = c * k * k;
            // the second image of a chunk of two: colOff = plane, leading dimension 2 * plane + 3
            int ld = 2 * plane + 3, colOff = plane, xOff = 4;
            float[] x = new float[xOff + c * h * w + 3];
            java.util.Arrays.fill(x, SENTINEL);
            System.arraycopy(random(r, c * h * w), 0, x, xOff, c * h * w);
            String what = "c=" + c + " " + h + "x" + w + " k=" + k + " s=" + s + " p=" + p + " d=" + d;
            float[] want = new float[rows * ld];
            java.util.Arrays.fill(want, SENTINEL);
            for (int ch = 0; ch < c; ch++) {
                for (int ki = 0; ki < k; ki++) {
                    for (int kj = 0; kj < k; kj++) {
                        int row = (ch * k + ki) * k + kj;
                        for (int oh = 0; oh < ho; oh++) {
                            for (int ow = 0; ow < wo; ow++) {
                                int ih = oh * s - p + ki * d, iw = ow * s - p + kj * d;
                                boolean inside = ih >= 0 && ih < h && iw >= 0 && iw < w;
                                want[row * ld + colOff + oh * wo + ow] = inside ? x[xOff + (ch * h + ih) * w + iw] : 0f;
                            }
                        }
                    }
                }
            }
            float[] got = new float[rows * ld];
            java.util.Arrays.fill(got, SENTINEL);
            FloatConvKernels.im2col(x, xOff, c, h, w, k, k, s, p, d, ho, wo, got, colOff, ld);
            assertBitwise(want, got, "float32 im2col " + what);
            double[] gotD = new double[rows * ld], xD = toDouble(x);
            java.util.Arrays.fill(gotD, SENTINEL);
            DoubleConvKernels.im2col(xD, xOff, c, h, w, k, k, s, p, d, ho, wo, gotD, colOff, ld);
            assertBitwise(toDouble(want), gotD, "float64 im2col " + what);

            // col2im: every column entry added back onto its input element, in the kernel's order (row by row)
            float[] cols = random(r, rows * ld), start = x.clone(), back = x.clone();
            double[] colsD = toDouble(cols), startD = toDouble(x), backD = toDouble(x);
            for (int ch = 0; ch < c; ch++) {
                for (int ki = 0; ki < k; ki++) {
                    for (int kj = 0; kj < k; kj++) {
                        int row = (ch * k + ki) * k + kj;
                        for (int oh = 0; oh < ho; oh++) {
                            for (int ow = 0; ow < wo; ow++) {
                                int ih = oh * s - p + ki * d, iw = ow * s - p + kj * d;
                                if (ih >= 0 && ih < h && iw >= 0 && iw < w) {
                                    start[xOff + (ch * h + ih) * w + iw] += cols[row * ld + colOff + oh * wo + ow];
                                    startD[xOff + (ch * h + ih) * w + iw] += colsD[row * ld + colOff + oh * wo + ow];
                                }
                            }
                        }
                    }
                }
            }
            FloatConvKernels.col2im(cols, colOff, ld, c, h, w, k, k, s, p, d, ho, wo, back, xOff);
            assertBitwise(start, back, "float32 col2im " + what);
            DoubleConvKernels.col2im(colsD, colOff, ld, c, h, w, k, k, s, p, d, ho, wo, backD, xOff);
            assertBitwise(startD, backD, "float64 col2im " + what);
        }
    }

    /** {h, w, kernel, stride, padding}: the 2x2 stride-2 fast path on odd and 1-wide images, and general windows. */
    private static final int[][] POOLS = {{2, 2, 2, 2, 0}, {3, 5, 2, 2, 0}, {1, 1, 1, 1, 0}, {2, 17, 2, 2, 0},
        {7, 13, 3, 2, 1}, {5, 5, 3, 1, 1}, {4, 1, 2, 1, 0}, {6, 6, 4, 3, 2}, {1, 9, 1, 2, 0}};

    @Test
    void poolingEqualsItsDefinitionWithNaNAndInfinities() {
        Random r = new Random(6);
        float[] special = {Float.NaN, Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, -0f, 0f};
        for (int[] q : POOLS) {
            int h = q[0], w = q[1], k = q[2], s = q[3], p = q[4], planes = 3, p0 = 1, p1 = 3, xOff = 2;
            int ho = (h + 2 * p - k) / s + 1, wo = (w + 2 * p - k) / s + 1;
            float[] x = new float[xOff + planes * h * w];
            for (int i = 0; i < x.length; i++) {
                // plane 1 all -inf (no element beats the start), plane 2 mixed with specials and ties
                int pl = (i - xOff) / (h * w);
                x[i] = pl == 1 ? Float.NEGATIVE_INFINITY
                        : r.nextInt(4) == 0 ? special[r.nextInt(special.length)] : (float) r.nextInt(3);
            }
            String what = h + "x" + w + " k=" + k + " s=" + s + " p=" + p;
            float[] y = new float[planes * ho * wo], wantY = new float[y.length];
            int[] arg = new int[y.length], wantArg = new int[y.length];
            java.util.Arrays.fill(y, SENTINEL);
            java.util.Arrays.fill(wantY, SENTINEL);
            float[] avg = new float[y.length], wantAvg = new float[y.length];
            for (int pl = p0; pl < p1; pl++) {
                for (int oh = 0; oh < ho; oh++) {
                    for (int ow = 0; ow < wo; ow++) {
                        float best = Float.NEGATIVE_INFINITY;
                        int hs = oh * s - p, ws = ow * s - p, at = Math.max(hs, 0) * w + Math.max(ws, 0);
                        for (int ih = Math.max(hs, 0); ih < Math.min(hs + k, h); ih++) {
                            for (int iw = Math.max(ws, 0); iw < Math.min(ws + k, w); iw++) {
                                float v = x[xOff + (pl * h + ih) * w + iw];
                                if (v > best || Float.isNaN(v)) { // the first maximum; a NaN wins (the last one)
                                    best = v;
                                    at = ih * w + iw;
                                }
                            }
                        }
                        int o = (pl * ho + oh) * wo + ow;
                        wantY[o] = best;
                        wantArg[o] = at;
                    }
                }
            }
            FloatConvKernels.maxPool(x, xOff, p0, p1, h, w, k, k, s, s, p, p, ho, wo, y, arg);
            assertBitwise(wantY, y, "max pool " + what);
            for (int o = p0 * ho * wo; o < y.length; o++) {
                assertEquals(wantArg[o], arg[o], "max pool argument " + what + " at " + o);
            }
            double[] yD = new double[y.length];
            int[] argD = new int[y.length];
            java.util.Arrays.fill(yD, SENTINEL);
            DoubleConvKernels.maxPool(toDouble(x), xOff, p0, p1, h, w, k, k, s, s, p, p, ho, wo, yD, argD);
            assertBitwise(toDouble(wantY), yD, "float64 max pool " + what);
            float[] xs = random(r, x.length); // finite values for the averages
            // the averages, each window added in row-major order as the kernel adds it
            for (int pl = 0; pl < planes; pl++) {
                for (int oh = 0; oh < ho; oh++) {
                    for (int ow = 0; ow < wo; ow++) {
                        int hs = oh * s - p, ws = ow * s - p;
                        float sum = 0f;
                        for (int ih = Math.max(hs, 0); ih < Math.min(hs + k, h); ih++) {
                            for (int iw = Math.max(ws, 0); iw < Math.min(ws + k, w); iw++) {
                                sum += xs[xOff + (pl * h + ih) * w + iw];
                            }
                        }
                        int count = (Math.min(hs + k, h + p) - hs) * (Math.min(ws + k, w + p) - ws);
                        wantAvg[(pl * ho + oh) * wo + ow] = sum / count;
                    }
                }
            }
            FloatConvKernels.avgPool(true, xs, xOff, planes, h, w, k, k, s, s, p, p, ho, wo, avg, 0);
            assertBitwise(wantAvg, avg, "avg pool " + what);
        }
    }

    private static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }

    private static void assertBitwise(float[] want, float[] got, String what) {
        for (int i = 0; i < want.length; i++) {
            assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]),
                    what + " at " + i + ": " + got[i] + ", expected " + want[i]);
        }
    }

    private static void assertBitwise(double[] want, double[] got, String what) {
        for (int i = 0; i < want.length; i++) {
            assertEquals(Double.doubleToLongBits(want[i]), Double.doubleToLongBits(got[i]),
                    what + " at " + i + ": " + got[i] + ", expected " + want[i]);
        }
    }
}
