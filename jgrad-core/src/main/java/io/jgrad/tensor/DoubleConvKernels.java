package io.jgrad.tensor;

/**
 * GENERATED from FloatConvKernels.java by scripts/gen-double-kernels.sh: do not edit. Plain-Java float64 kernels of the ops on NCHW images: im2col/col2im for convolution, the pooling windows, and
 * the per-channel passes of batch normalization. Arrays are contiguous; "plane" means one [H, W] channel of one sample. Output index
 * (oh, ow) sees input rows ih = oh * s - p + ki * d, and a row or column outside [0, H) x [0, W) is padding.
 *
 */
final class DoubleConvKernels {
    private DoubleConvKernels() {}

    /**
     * First output index o with o * s - p + off >= 0, i.e. whose input index is not in the leading padding, at most
     * out: with dilation, a tap can sit in the padding for every output (W = 1, padding 2, dilation 2), and an
     * index past out would make the caller's zero fills run past the row.
     */
    private static int firstInside(int off, int s, int p, int out) {
        int start = p - off;
        return start <= 0 ? 0 : Math.min(out, (start + s - 1) / s);
    }

    /** One past the last output index o with o * s - p + off &lt; size (clamped to [lo, out]). */
    private static int endInside(int off, int s, int p, int size, int lo, int out) {
        int limit = size + p - off; // o * s < limit
        int end = limit <= 0 ? 0 : (limit + s - 1) / s;
        return Math.max(lo, Math.min(out, end));
    }

    /**
     * Unfolds one image x[C, H, W] (at xOff) into columns: row (c * kH + ki) * kW + kj, column oh * Wo + ow of
     * cols (row stride ld, starting at colOff) holds x[c, oh*s - p + ki*d, ow*s - p + kj*d], or 0 in the padding.
     * Modified: cols.
     */
    static void im2col(double[] x, int xOff, int channels, int h, int w, int kH, int kW, int s, int p, int d,
                       int ho, int wo, double[] cols, int colOff, int ld) {
        if (s == 1 && d == 1 && ho == h && wo == w && p < w) {
            im2colSame(x, xOff, channels, h, w, kH, kW, p, cols, colOff, ld);
            return;
        }
        int row = 0;
        for (int c = 0; c < channels; c++) {
            int plane = xOff + c * h * w;
            for (int ki = 0; ki < kH; ki++) {
                for (int kj = 0; kj < kW; kj++, row++) {
                    int base = colOff + row * ld;
                    int owLo = firstInside(kj * d, s, p, wo), owHi = endInside(kj * d, s, p, w, owLo, wo);
                    for (int oh = 0; oh < ho; oh++) {
                        int ih = oh * s - p + ki * d;
                        int dst = base + oh * wo;
                        if (ih < 0 || ih >= h) {
                            java.util.Arrays.fill(cols, dst, dst + wo, 0.0);
                            continue;
                        }
                        java.util.Arrays.fill(cols, dst, dst + owLo, 0.0);
                        java.util.Arrays.fill(cols, dst + owHi, dst + wo, 0.0);
                        int src = plane + ih * w + owLo * s - p + kj * d;
                        if (s == 1 && owHi > owLo) {
                            System.arraycopy(x, src, cols, dst + owLo, owHi - owLo);
                        } else {
                            for (int ow = owLo; ow < owHi; ow++, src += s) {
                                cols[dst + ow] = x[src];
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * {@link #im2col} for stride 1, dilation 1 and "same" padding (output as large as the input, as a 3x3
     * convolution with padding 1): each row of cols is the whole plane shifted by (ki - p, kj - p), so it is one
     * copy of the rows that stay inside, with the columns that wrapped around and the rows outside set to zero.
     * Short copies per output row cost more in calls than in data (measured: im2col was 19% of a CNN step).
     * Needs p &lt; W: a shift of W columns or more wraps a whole row (a 5x5 kernel with padding 2 on a 1x1 image made
     * the copy's length negative), and such rows are all padding, which the general loop writes.
     */
    private static void im2colSame(double[] x, int xOff, int channels, int h, int w, int kH, int kW, int p, double[] cols,
                                   int colOff, int ld) {
        int row = 0, hw = h * w;
        for (int c = 0; c < channels; c++) {
            int plane = xOff + c * hw;
            for (int ki = 0; ki < kH; ki++) {
                int dy = ki - p, ohLo = Math.max(0, -dy), ohHi = Math.min(h, h - dy);
                for (int kj = 0; kj < kW; kj++, row++) {
                    int dx = kj - p, base = colOff + row * ld;
                    if (ohHi <= ohLo) {
                        java.util.Arrays.fill(cols, base, base + hw, 0.0);
                        continue;
                    }
                    // cols[base + oh * w + ow] = x[plane + (oh + dy) * w + ow + dx] over the rows inside; the
                    // elements before the plane's start or after its end (dx != 0) are edge columns, zeroed below
                    int from = ohLo * w + Math.max(0, -dx), to = ohHi * w - Math.max(0, dx);
                    System.arraycopy(x, plane + from + dy * w + dx, cols, base + from, to - from);
                    for (int oh = ohLo; oh < ohHi; oh++) {
                        int r = base + oh * w;
                        for (int j = 0; j < -dx; j++) {
                            cols[r + j] = 0.0;
                        }
                        for (int j = w - dx; j < w; j++) {
                            cols[r + j] = 0.0;
                        }
                    }
                    java.util.Arrays.fill(cols, base, base + ohLo * w, 0.0);
                    java.util.Arrays.fill(cols, base + ohHi * w, base + hw, 0.0);
                }
            }
        }
    }

    /** The adjoint of {@link #im2col}: adds every column entry back onto the input element it came from. Modified: x. */
    static void col2im(double[] cols, int colOff, int ld, int channels, int h, int w, int kH, int kW, int s, int p,
                       int d, int ho, int wo, double[] x, int xOff) {
        int row = 0;
        for (int c = 0; c < channels; c++) {
            int plane = xOff + c * h * w;
            for (int ki = 0; ki < kH; ki++) {
                for (int kj = 0; kj < kW; kj++, row++) {
                    int base = colOff + row * ld;
                    int owLo = firstInside(kj * d, s, p, wo), owHi = endInside(kj * d, s, p, w, owLo, wo);
                    for (int oh = 0; oh < ho; oh++) {
                        int ih = oh * s - p + ki * d;
                        if (ih < 0 || ih >= h) {
                            continue;
                        }
                        int src = base + oh * wo;
                        int dst = plane + ih * w + owLo * s - p + kj * d;
                        for (int ow = owLo; ow < owHi; ow++, dst += s) {
                            x[dst] += cols[src + ow];
                        }
                    }
                }
            }
        }
    }

    /**
     * Max over each window of the planes [p0, p1); arg receives the in-plane index (ih * W + iw) of the first maximum in
     * row-major window order (a NaN wins, as in PyTorch). Padding never wins. Modified: y, arg.
     */
    static void maxPool(double[] x, int xOff, int p0, int p1, int h, int w, int kH, int kW, int sH, int sW, int pH, int pW,
                        int ho, int wo, double[] y, int[] arg) {
        if (kH == 2 && kW == 2 && sH == 2 && sW == 2 && pH == 0 && pW == 0) {
            maxPool2x2(x, xOff, p0, p1, h, w, ho, wo, y, arg);
            return;
        }
        for (int pl = p0; pl < p1; pl++) {
            int plane = xOff + pl * h * w, out = pl * ho * wo;
            for (int oh = 0; oh < ho; oh++) {
                int hs = Math.max(oh * sH - pH, 0), he = Math.min(oh * sH - pH + kH, h);
                for (int ow = 0; ow < wo; ow++) {
                    int ws = Math.max(ow * sW - pW, 0), we = Math.min(ow * sW - pW + kW, w);
                    double best = Double.NEGATIVE_INFINITY;
                    int at = hs * w + ws;
                    for (int ih = hs; ih < he; ih++) {
                        for (int iw = ws; iw < we; iw++) {
                            double v = x[plane + ih * w + iw];
                            if (v > best || Double.isNaN(v)) {
                                best = v;
                                at = ih * w + iw;
                            }
                        }
                    }
                    y[out + oh * wo + ow] = best;
                    arg[out + oh * wo + ow] = at;
                }
            }
        }
    }

    /**
     * {@link #maxPool} for the common 2x2 window with stride 2 and no padding, the same result without the general
     * window bounds: the four candidates in row-major order, each replacing the best so far if larger or NaN.
     */
    private static void maxPool2x2(double[] x, int xOff, int p0, int p1, int h, int w, int ho, int wo, double[] y, int[] arg) {
        for (int pl = p0; pl < p1; pl++) {
            int plane = xOff + pl * h * w, out = pl * ho * wo;
            for (int oh = 0; oh < ho; oh++) {
                int r0 = 2 * oh * w, r1 = r0 + w, o = out + oh * wo;
                for (int ow = 0; ow < wo; ow++) {
                    int i = 2 * ow;
                    double best = x[plane + r0 + i];
                    int at = r0 + i;
                    // selects instead of branches: which candidate wins is data-dependent and mispredicts often
                    double v = x[plane + r0 + i + 1];
                    boolean take = v > best || v != v;
                    best = take ? v : best;
                    at = take ? r0 + i + 1 : at;
                    v = x[plane + r1 + i];
                    take = v > best || v != v;
                    best = take ? v : best;
                    at = take ? r1 + i : at;
                    v = x[plane + r1 + i + 1];
                    take = v > best || v != v;
                    best = take ? v : best;
                    at = take ? r1 + i + 1 : at;
                    y[o + ow] = best;
                    arg[o + ow] = at;
                }
            }
        }
    }

    /** Routes each output gradient of the planes [p0, p1) to the input element that won its window. Modified: gx. */
    static void maxPoolBackward(double[] g, int gOff, int p0, int p1, int hw, int howo, int[] arg, double[] gx) {
        for (int pl = p0; pl < p1; pl++) {
            int plane = pl * hw, out = pl * howo;
            for (int o = 0; o < howo; o++) {
                gx[plane + arg[out + o]] += g[gOff + out + o];
            }
        }
    }

    /**
     * Average over each window; the divisor counts the padding inside the window (count_include_pad, PyTorch's
     * default): (min(hs + kH, H + pH) - hs) * (min(ws + kW, W + pW) - ws) with hs = oh * sH - pH. With forward
     * false it is the backward instead: each g[o] / divisor is added to its window of x. Modified: y (or x).
     */
    static void avgPool(boolean forward, double[] x, int xOff, int planes, int h, int w, int kH, int kW, int sH, int sW,
                        int pH, int pW, int ho, int wo, double[] y, int yOff) {
        for (int pl = 0; pl < planes; pl++) {
            int plane = xOff + pl * h * w, out = yOff + pl * ho * wo;
            for (int oh = 0; oh < ho; oh++) {
                int hs0 = oh * sH - pH, he0 = Math.min(hs0 + kH, h + pH);
                int hs = Math.max(hs0, 0), he = Math.min(he0, h);
                for (int ow = 0; ow < wo; ow++) {
                    int ws0 = ow * sW - pW, we0 = Math.min(ws0 + kW, w + pW);
                    int ws = Math.max(ws0, 0), we = Math.min(we0, w);
                    int count = (he0 - hs0) * (we0 - ws0);
                    windowAverage(forward, x, plane, w, hs, he, ws, we, count, y, out + oh * wo + ow);
                }
            }
        }
    }

    /**
     * Adaptive average: output (oh, ow) averages rows [floor(oh*H/Ho), ceil((oh+1)*H/Ho)) and the columns alike.
     * With forward false it is the backward (see {@link #avgPool}). Modified: y (or x).
     */
    static void adaptiveAvgPool(boolean forward, double[] x, int xOff, int planes, int h, int w, int ho, int wo,
                                double[] y, int yOff) {
        for (int pl = 0; pl < planes; pl++) {
            int plane = xOff + pl * h * w, out = yOff + pl * ho * wo;
            for (int oh = 0; oh < ho; oh++) {
                int hs = (int) ((long) oh * h / ho), he = (int) (((long) (oh + 1) * h + ho - 1) / ho);
                for (int ow = 0; ow < wo; ow++) {
                    int ws = (int) ((long) ow * w / wo), we = (int) (((long) (ow + 1) * w + wo - 1) / wo);
                    windowAverage(forward, x, plane, w, hs, he, ws, we, (he - hs) * (we - ws), y, out + oh * wo + ow);
                }
            }
        }
    }

    /** y[at] = sum of the window / count, or (backward) the window += y[at] / count. Modified: y (or x). */
    private static void windowAverage(boolean forward, double[] x, int plane, int w, int hs, int he, int ws, int we,
                                      int count, double[] y, int at) {
        if (forward) {
            double sum = 0.0;
            for (int ih = hs; ih < he; ih++) {
                for (int iw = ws; iw < we; iw++) {
                    sum += x[plane + ih * w + iw];
                }
            }
            y[at] = sum / count;
        } else {
            double share = y[at] / count;
            for (int ih = hs; ih < he; ih++) {
                for (int iw = ws; iw < we; iw++) {
                    x[plane + ih * w + iw] += share;
                }
            }
        }
    }
    /**
     * Per-channel mean and biased variance of x viewed as [n, c, s] (channel in the middle), two passes in double
     * precision: mean[k] = sum x / (n s), var[k] = sum (x - mean[k])^2 / (n s), for the channel k.
     * Modified: mean, var.
     */
    static void channelMoments(double[] x, int xOff, int n, int c, int s, int k, double[] mean, double[] var) {
        double m = n * s;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            sum += sumRun(x, xOff + (i * c + k) * s, s);
        }
        double mu = sum / m, sq = 0;
        for (int i = 0; i < n; i++) {
            sq += squaredDeviations(x, xOff + (i * c + k) * s, s, mu);
        }
        mean[k] = mu;
        var[k] = sq / m;
    }

    /*
     * The reductions below keep four partial sums in double, added in a fixed order: one running sum waits on the
     * latency of each addition (measured: the batch-norm moments and gradient sums were 10% of a CNN step). In
     * float32 they go to Reductions.VECTOR where the JVM has the Vector API (lines marked "float32 only", which
     * the float64 kernels generated from this file leave out).
     */

    /** Sum of x[off, off + len) in double. */
    static double sumRun(double[] x, int off, int len) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int j = 0;
        for (; j + 4 <= len; j += 4) {
            s0 += x[off + j];
            s1 += x[off + j + 1];
            s2 += x[off + j + 2];
            s3 += x[off + j + 3];
        }
        for (; j < len; j++) {
            s0 += x[off + j];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** Sum of (x - mu)^2 over x[off, off + len) in double (mu = 0: the sum of squares, exactly). */
    static double squaredDeviations(double[] x, int off, int len, double mu) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int j = 0;
        for (; j + 4 <= len; j += 4) {
            double d0 = x[off + j] - mu, d1 = x[off + j + 1] - mu, d2 = x[off + j + 2] - mu, d3 = x[off + j + 3] - mu;
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
        }
        for (; j < len; j++) {
            double d0 = x[off + j] - mu;
            s0 += d0 * d0;
        }
        return (s0 + s1) + (s2 + s3);
    }

    /**
     * y = (x - mean[k]) * scale[k] + shift[k] over the channel k of x viewed as [n, c, s]; y is contiguous.
     * Modified: y.
     */
    static void channelAffine(double[] x, int xOff, int n, int c, int s, int k, double[] mean, double[] scale,
                              double[] shift, double[] y) {
        double mu = mean[k], a = scale[k], b = shift[k];
        for (int i = 0; i < n; i++) {
            int dst = (i * c + k) * s, end = dst + s;
            if (xOff == 0) {
                for (int j = dst; j < end; j++) { // one index for both arrays: vectorized (see FloatKernels.adam)
                    y[j] = (x[j] - mu) * a + b;
                }
            } else {
                for (int j = dst, src = xOff + dst; j < end; j++, src++) {
                    y[j] = (x[src] - mu) * a + b;
                }
            }
        }
    }

    /**
     * Per-channel sums of g and of g * (x - mean[k]) over [n, c, s]: sumG[k] and sumGX[k], in double, for the
     * channel k, in one pass with four partial sums each.
     * Modified: sumG, sumGX.
     */
    static void channelGradSums(double[] g, int gOff, double[] x, int xOff, int n, int c, int s, int k,
                                double[] mean, double[] sumG, double[] sumGX) {
        double mu = mean[k], g0 = 0, g1 = 0, g2 = 0, g3 = 0, p0 = 0, p1 = 0, p2 = 0, p3 = 0;
        for (int i = 0; i < n; i++) {
            int gb = gOff + (i * c + k) * s, xb = xOff + (i * c + k) * s, j = 0;
            for (; j + 4 <= s; j += 4) {
                double v0 = g[gb + j], v1 = g[gb + j + 1], v2 = g[gb + j + 2], v3 = g[gb + j + 3];
                g0 += v0;
                g1 += v1;
                g2 += v2;
                g3 += v3;
                p0 += v0 * (x[xb + j] - mu);
                p1 += v1 * (x[xb + j + 1] - mu);
                p2 += v2 * (x[xb + j + 2] - mu);
                p3 += v3 * (x[xb + j + 3] - mu);
            }
            for (; j < s; j++) {
                double v0 = g[gb + j];
                g0 += v0;
                p0 += v0 * (x[xb + j] - mu);
            }
        }
        sumG[k] = (g0 + g1) + (g2 + g3);
        sumGX[k] = (p0 + p1) + (p2 + p3);
    }

    /**
     * gx = a[k] * g + b[k] * (x - mean[k]) + e[k] over the channel k of [n, c, s]: the input gradient of
     * batch normalization in one pass (the coefficients per channel come from the forward's statistics and the
     * gradient sums). gx is contiguous. Modified: gx.
     */
    static void channelGradInput(double[] g, int gOff, double[] x, int xOff, int n, int c, int s, int k,
                                 double[] mean, double[] a, double[] b, double[] e, double[] gx) {
        double mu = mean[k], ak = a[k], bk = b[k], ek = e[k];
        for (int i = 0; i < n; i++) {
            int ob = (i * c + k) * s, end = ob + s;
            if (gOff == 0 && xOff == 0) {
                for (int j = ob; j < end; j++) { // one index for all arrays: vectorized
                    gx[j] = ak * g[j] + bk * (x[j] - mu) + ek;
                }
            } else {
                for (int j = ob, gj = gOff + ob, xj = xOff + ob; j < end; j++, gj++, xj++) {
                    gx[j] = ak * g[gj] + bk * (x[xj] - mu) + ek;
                }
            }
        }
    }
}
