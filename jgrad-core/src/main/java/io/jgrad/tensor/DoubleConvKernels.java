package io.jgrad.tensor;

/**
 * GENERATED from FloatConvKernels.java by scripts/gen-double-kernels.sh: do not edit. Plain-Java float64 kernels of the ops on NCHW images: im2col/col2im for convolution, the pooling windows, and
 * the per-channel passes of batch normalization. Arrays are contiguous; "plane" means one [H, W] channel of one sample. Output index
 * (oh, ow) sees input rows ih = oh * s - p + ki * d, and a row or column outside [0, H) x [0, W) is padding.
 *
 */
final class DoubleConvKernels {
    private DoubleConvKernels() {}

    /** First output index o with o * s - p + off >= 0, i.e. whose input index is not in the leading padding. */
    private static int firstInside(int off, int s, int p) {
        int start = p - off;
        return start <= 0 ? 0 : (start + s - 1) / s;
    }

    /** One past the last output index o with o * s - p + off < size (clamped to [lo, out]). */
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
        int row = 0;
        for (int c = 0; c < channels; c++) {
            int plane = xOff + c * h * w;
            for (int ki = 0; ki < kH; ki++) {
                for (int kj = 0; kj < kW; kj++, row++) {
                    int base = colOff + row * ld;
                    int owLo = firstInside(kj * d, s, p), owHi = endInside(kj * d, s, p, w, owLo, wo);
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

    /** The adjoint of {@link #im2col}: adds every column entry back onto the input element it came from. Modified: x. */
    static void col2im(double[] cols, int colOff, int ld, int channels, int h, int w, int kH, int kW, int s, int p,
                       int d, int ho, int wo, double[] x, int xOff) {
        int row = 0;
        for (int c = 0; c < channels; c++) {
            int plane = xOff + c * h * w;
            for (int ki = 0; ki < kH; ki++) {
                for (int kj = 0; kj < kW; kj++, row++) {
                    int base = colOff + row * ld;
                    int owLo = firstInside(kj * d, s, p), owHi = endInside(kj * d, s, p, w, owLo, wo);
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
     * Max over each window of each plane; arg receives the in-plane index (ih * W + iw) of the first maximum in
     * row-major window order (a NaN wins, as in PyTorch). Padding never wins. Modified: y, arg.
     */
    static void maxPool(double[] x, int xOff, int planes, int h, int w, int kH, int kW, int sH, int sW, int pH, int pW,
                        int ho, int wo, double[] y, int[] arg) {
        if (kH == 2 && kW == 2 && sH == 2 && sW == 2 && pH == 0 && pW == 0) {
            maxPool2x2(x, xOff, planes, h, w, ho, wo, y, arg);
            return;
        }
        for (int pl = 0; pl < planes; pl++) {
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
    private static void maxPool2x2(double[] x, int xOff, int planes, int h, int w, int ho, int wo, double[] y, int[] arg) {
        for (int pl = 0; pl < planes; pl++) {
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

    /** Routes each output gradient to the input element that won its window. Modified: gx. */
    static void maxPoolBackward(double[] g, int gOff, int planes, int hw, int howo, int[] arg, double[] gx) {
        for (int pl = 0; pl < planes; pl++) {
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
     * precision: mean[k] = sum x / (n s), var[k] = sum (x - mean[k])^2 / (n s). Modified: mean, var.
     */
    static void channelMoments(double[] x, int xOff, int n, int c, int s, double[] mean, double[] var) {
        double m = n * s;
        for (int k = 0; k < c; k++) {
            double sum = 0;
            for (int i = 0; i < n; i++) {
                int base = xOff + (i * c + k) * s;
                for (int j = 0; j < s; j++) {
                    sum += x[base + j];
                }
            }
            double mu = sum / m, sq = 0;
            for (int i = 0; i < n; i++) {
                int base = xOff + (i * c + k) * s;
                for (int j = 0; j < s; j++) {
                    double dv = x[base + j] - mu;
                    sq += dv * dv;
                }
            }
            mean[k] = mu;
            var[k] = sq / m;
        }
    }

    /**
     * y = (x - mean[k]) * scale[k] + shift[k] over x viewed as [n, c, s], k the channel; y is contiguous.
     * Modified: y.
     */
    static void channelAffine(double[] x, int xOff, int n, int c, int s, double[] mean, double[] scale, double[] shift,
                              double[] y) {
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < c; k++) {
                int src = xOff + (i * c + k) * s, dst = (i * c + k) * s;
                double mu = mean[k], a = scale[k], b = shift[k];
                for (int j = 0; j < s; j++) {
                    y[dst + j] = (x[src + j] - mu) * a + b;
                }
            }
        }
    }

    /**
     * Per-channel sums of g and of g * (x - mean[k]) over [n, c, s]: sumG[k] and sumGX[k], in double.
     * Modified: sumG, sumGX.
     */
    static void channelGradSums(double[] g, int gOff, double[] x, int xOff, int n, int c, int s, double[] mean,
                                double[] sumG, double[] sumGX) {
        for (int k = 0; k < c; k++) {
            double sg = 0, sgx = 0, mu = mean[k];
            for (int i = 0; i < n; i++) {
                int gb = gOff + (i * c + k) * s, xb = xOff + (i * c + k) * s;
                for (int j = 0; j < s; j++) {
                    double gv = g[gb + j];
                    sg += gv;
                    sgx += gv * (x[xb + j] - mu);
                }
            }
            sumG[k] = sg;
            sumGX[k] = sgx;
        }
    }

    /**
     * gx = a[k] * g + b[k] * (x - mean[k]) + e[k] over [n, c, s]: the input gradient of batch normalization in one
     * pass (the coefficients per channel come from the forward's statistics and the gradient sums). Modified: gx.
     */
    static void channelGradInput(double[] g, int gOff, double[] x, int xOff, int n, int c, int s, double[] mean,
                                 double[] a, double[] b, double[] e, double[] gx) {
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < c; k++) {
                int gb = gOff + (i * c + k) * s, xb = xOff + (i * c + k) * s, ob = (i * c + k) * s;
                double mu = mean[k], ak = a[k], bk = b[k], ek = e[k];
                for (int j = 0; j < s; j++) {
                    gx[ob + j] = ak * g[gb + j] + bk * (x[xb + j] - mu) + ek;
                }
            }
        }
    }
}
