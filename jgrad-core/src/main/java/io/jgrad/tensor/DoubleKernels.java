package io.jgrad.tensor;

/**
 * GENERATED from FloatKernels.java by scripts/gen-double-kernels.sh: do not edit. Plain-Java float64 kernels: loops over primitive arrays that the JIT vectorizes. Each kernel writes into an
 * output array the caller passes (the EJML convention); none allocates more than a small scratch row.
 *
 */
final class DoubleKernels {
    private DoubleKernels() {}

    /** Rows of A handled together in the GEMM inner loop, so each row of B loaded is used this many times. */
    static final int GEMM_ROW_BLOCK = 4;

    /**
     * Steps of the inner dimension k done in one pass over a row of C: each C element is loaded and stored once
     * per 4 multiply-adds instead of once per 1, which is what limited the simple i-k-j loop.
     */
    static final int GEMM_K_UNROLL = 4;

    /**
     * Length of the k blocks: a [GEMM_K_BLOCK, n] panel of B stays in the L2 cache while all rows pass over it.
     * A multiple of GEMM_K_UNROLL, so how the k terms are grouped never depends on the rows or the threads.
     */
    static final int GEMM_K_BLOCK = 256;

    /**
     * C = alpha * A * B + beta * C over row-major contiguous blocks, rows [rowStart, rowEnd) of C only.
     * A is [m, k] with row stride lda, B is [k, n] with row stride ldb, C is [m, n] with row stride ldc.
     * Every C element sums its k terms in the same order whichever rows a call covers (the 4-row and the 1-row
     * paths use the same expression), so splitting rows over threads does not change a bit of the result.
     * Modified: c. Not modified: a, b.
     */
    static void gemmRows(int rowStart, int rowEnd, int n, int k, double alpha,
                         double[] a, int aOff, int lda, double[] b, int bOff, int ldb,
                         double beta, double[] c, int cOff, int ldc) {
        for (int i = rowStart; i < rowEnd; i++) {
            int ci = cOff + i * ldc;
            if (beta == 0.0) {
                java.util.Arrays.fill(c, ci, ci + n, 0.0);
            } else if (beta != 1.0) {
                for (int j = 0; j < n; j++) {
                    c[ci + j] *= beta;
                }
            }
        }
        for (int p0 = 0; p0 < k; p0 += GEMM_K_BLOCK) {
            int p1 = Math.min(k, p0 + GEMM_K_BLOCK);
            int i = rowStart;
            for (; i + GEMM_ROW_BLOCK <= rowEnd; i += GEMM_ROW_BLOCK) {
                gemmBlock4(n, alpha, a, aOff + i * lda, lda, p0, p1, b, bOff, ldb, c, cOff + i * ldc, ldc);
            }
            for (; i < rowEnd; i++) {
                gemmBlock1(n, alpha, a, aOff + i * lda, p0, p1, b, bOff, ldb, c, cOff + i * ldc);
            }
        }
    }

    /** C[0..4, :] += alpha * A[0..4, p0..p1] * B[p0..p1, :] for 4 rows starting at a0 and c0. Modified: c. */
    private static void gemmBlock4(int n, double alpha, double[] a, int a0, int lda, int p0, int p1,
                                   double[] b, int bOff, int ldb, double[] c, int c0, int ldc) {
        int a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
        int c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
        int p = p0;
        for (; p + GEMM_K_UNROLL <= p1; p += GEMM_K_UNROLL) {
            double x00 = alpha * a[a0 + p], x01 = alpha * a[a0 + p + 1], x02 = alpha * a[a0 + p + 2], x03 = alpha * a[a0 + p + 3];
            double x10 = alpha * a[a1 + p], x11 = alpha * a[a1 + p + 1], x12 = alpha * a[a1 + p + 2], x13 = alpha * a[a1 + p + 3];
            double x20 = alpha * a[a2 + p], x21 = alpha * a[a2 + p + 1], x22 = alpha * a[a2 + p + 2], x23 = alpha * a[a2 + p + 3];
            double x30 = alpha * a[a3 + p], x31 = alpha * a[a3 + p + 1], x32 = alpha * a[a3 + p + 2], x33 = alpha * a[a3 + p + 3];
            int b0 = bOff + p * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
            for (int j = 0; j < n; j++) {
                double y0 = b[b0 + j], y1 = b[b1 + j], y2 = b[b2 + j], y3 = b[b3 + j];
                c[c0 + j] += x00 * y0 + x01 * y1 + x02 * y2 + x03 * y3;
                c[c1 + j] += x10 * y0 + x11 * y1 + x12 * y2 + x13 * y3;
                c[c2 + j] += x20 * y0 + x21 * y1 + x22 * y2 + x23 * y3;
                c[c3 + j] += x30 * y0 + x31 * y1 + x32 * y2 + x33 * y3;
            }
        }
        for (; p < p1; p++) {
            double v0 = alpha * a[a0 + p], v1 = alpha * a[a1 + p], v2 = alpha * a[a2 + p], v3 = alpha * a[a3 + p];
            int bp = bOff + p * ldb;
            for (int j = 0; j < n; j++) {
                double bv = b[bp + j];
                c[c0 + j] += v0 * bv;
                c[c1 + j] += v1 * bv;
                c[c2 + j] += v2 * bv;
                c[c3 + j] += v3 * bv;
            }
        }
    }

    /** The one-row version of gemmBlock4, with the same order of operations for each C element. Modified: c. */
    private static void gemmBlock1(int n, double alpha, double[] a, int a0, int p0, int p1,
                                   double[] b, int bOff, int ldb, double[] c, int c0) {
        int p = p0;
        for (; p + GEMM_K_UNROLL <= p1; p += GEMM_K_UNROLL) {
            double x0 = alpha * a[a0 + p], x1 = alpha * a[a0 + p + 1], x2 = alpha * a[a0 + p + 2], x3 = alpha * a[a0 + p + 3];
            int b0 = bOff + p * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
            for (int j = 0; j < n; j++) {
                c[c0 + j] += x0 * b[b0 + j] + x1 * b[b1 + j] + x2 * b[b2 + j] + x3 * b[b3 + j];
            }
        }
        for (; p < p1; p++) {
            double v = alpha * a[a0 + p];
            int bp = bOff + p * ldb;
            for (int j = 0; j < n; j++) {
                c[c0 + j] += v * b[bp + j];
            }
        }
    }

    /** dst[i, j] = src[j, i] for a [rows, cols] source with row stride ld. Modified: dst. */
    static void transpose(double[] src, int off, int ld, int rows, int cols, double[] dst) {
        for (int i = 0; i < rows; i++) {
            int s = off + i * ld;
            for (int j = 0; j < cols; j++) {
                dst[j * rows + i] = src[s + j];
            }
        }
    }

    /** out[i] = op(x[i]; p, q) for i in [0, n). Modified: out (which may be x). */
    static void unary(UnaryOp op, double p, double q, double[] x, int xOff, double[] out, int oOff, int n) {
        unaryLoops(op, p, q, x, xOff, out, oOff, n);
    }

    /** {@link #unary} in plain loops. Modified: out (which may be x). */
    static void unaryLoops(UnaryOp op, double p, double q, double[] x, int xOff, double[] out, int oOff, int n) {
        double fp = p, fq = q;
        if (xOff == oOff) {
            // the same index in both arrays lets the JIT vectorize even if out is x (see adam); the usual case,
            // since op results and their ranges start where their inputs' do
            int end = xOff + n;
            switch (op) {
                case RELU -> { for (int i = xOff; i < end; i++) out[i] = Math.max(x[i], 0.0); return; }
                case NEG -> { for (int i = xOff; i < end; i++) out[i] = -x[i]; return; }
                case ADD_SCALAR -> { for (int i = xOff; i < end; i++) out[i] = x[i] + fp; return; }
                case MUL_SCALAR -> { for (int i = xOff; i < end; i++) out[i] = x[i] * fp; return; }
                case DIV_SCALAR -> { for (int i = xOff; i < end; i++) out[i] = x[i] / fp; return; }
                case GT_SCALAR -> { for (int i = xOff; i < end; i++) out[i] = x[i] > fp ? 1.0 : 0.0; return; }
                default -> { }
            }
        }
        switch (op) {
            case NEG -> { for (int i = 0; i < n; i++) out[oOff + i] = -x[xOff + i]; }
            case EXP -> { for (int i = 0; i < n; i++) out[oOff + i] = Math.exp(x[xOff + i]); }
            case LOG -> { for (int i = 0; i < n; i++) out[oOff + i] = Math.log(x[xOff + i]); }
            case SQRT -> { for (int i = 0; i < n; i++) out[oOff + i] = Math.sqrt(x[xOff + i]); }
            case ABS -> { for (int i = 0; i < n; i++) out[oOff + i] = Math.abs(x[xOff + i]); }
            case SIGN -> { for (int i = 0; i < n; i++) out[oOff + i] = Math.signum(x[xOff + i]); }
            case RELU -> { for (int i = 0; i < n; i++) out[oOff + i] = Math.max(x[xOff + i], 0.0); }
            case SIGMOID -> {
                for (int i = 0; i < n; i++) {
                    double v = x[xOff + i];
                    // Two branches so that exp never overflows: both give 1 / (1 + e^-v).
                    out[oOff + i] = v >= 0 ? (1.0 / (1.0 + Math.exp(-v))) : (Math.exp(v) / (1.0 + Math.exp(v)));
                }
            }
            case TANH -> { for (int i = 0; i < n; i++) out[oOff + i] = Math.tanh(x[xOff + i]); }
            case POW -> {
                if (p == 2.0) {
                    for (int i = 0; i < n; i++) { double v = x[xOff + i]; out[oOff + i] = v * v; }
                } else {
                    for (int i = 0; i < n; i++) out[oOff + i] = Math.pow(x[xOff + i], p);
                }
            }
            case ADD_SCALAR -> { for (int i = 0; i < n; i++) out[oOff + i] = x[xOff + i] + fp; }
            case MUL_SCALAR -> { for (int i = 0; i < n; i++) out[oOff + i] = x[xOff + i] * fp; }
            case DIV_SCALAR -> { for (int i = 0; i < n; i++) out[oOff + i] = x[xOff + i] / fp; }
            case RDIV_SCALAR -> { for (int i = 0; i < n; i++) out[oOff + i] = fp / x[xOff + i]; }
            case LEAKY_RELU -> { for (int i = 0; i < n; i++) { double v = x[xOff + i]; out[oOff + i] = v > 0 ? v : fp * v; } }
            case ELU -> { for (int i = 0; i < n; i++) { double v = x[xOff + i]; out[oOff + i] = v > 0 ? v : (p * Math.expm1(v)); } }
            case ELU_GRAD -> { for (int i = 0; i < n; i++) { double v = x[xOff + i]; out[oOff + i] = v <= 0 ? (p * Math.exp(v)) : 1.0; } }
            case GELU -> { for (int i = 0; i < n; i++) { double v = x[xOff + i]; out[oOff + i] = (v * SpecialFunctions.normalCdf(v)); } }
            case GELU_GRAD -> {
                for (int i = 0; i < n; i++) {
                    double v = x[xOff + i];
                    out[oOff + i] = (SpecialFunctions.normalCdf(v) + v * SpecialFunctions.normalPdf(v));
                }
            }
            case CLAMP -> { for (int i = 0; i < n; i++) out[oOff + i] = Math.min(Math.max(x[xOff + i], fp), fq); }
            case INSIDE -> { for (int i = 0; i < n; i++) { double v = x[xOff + i]; out[oOff + i] = v >= fp && v <= fq ? 1.0 : 0.0; } }
            case GT_SCALAR -> { for (int i = 0; i < n; i++) out[oOff + i] = x[xOff + i] > fp ? 1.0 : 0.0; }
            case LT_SCALAR -> { for (int i = 0; i < n; i++) out[oOff + i] = x[xOff + i] < fp ? 1.0 : 0.0; }
        }
    }

    /**
     * out = op(a, b) with broadcasting: out has shape {@code shape} (contiguous from oOff), a and b are read
     * through the given offsets and strides (0 in broadcast dimensions); idx is the caller's scratch of at least
     * shape.length elements (so that a call allocates nothing). Modified: out, idx.
     */
    static void binary(BinaryOp op, int[] shape, double[] a, int aOff, int[] as, double[] b, int bOff, int[] bs, double[] out,
                       int oOff, int[] idx) {
        int rank = shape.length;
        if (rank == 0) {
            binaryRow(op, a, aOff, 0, b, bOff, 0, out, oOff, 1);
            return;
        }
        int inner = shape[rank - 1];
        if (inner == 0) {
            return;
        }
        int total = Shapes.numel(shape);
        int ia = as[rank - 1], ib = bs[rank - 1];
        java.util.Arrays.fill(idx, 0, rank, 0);
        int pa = aOff, pb = bOff;
        for (int po = oOff; po < oOff + total; po += inner) {
            binaryRow(op, a, pa, ia, b, pb, ib, out, po, inner);
            for (int d = rank - 2; d >= 0; d--) {
                pa += as[d];
                pb += bs[d];
                if (++idx[d] < shape[d]) {
                    break;
                }
                pa -= as[d] * shape[d];
                pb -= bs[d] * shape[d];
                idx[d] = 0;
            }
        }
    }

    /**
     * out[po + i] = op(a[pa + i * ia], b[pb + i * ib]) for i &lt; n: one row of {@link #binary}, also the whole of a
     * same-shape contiguous one. Modified: out.
     */
    static void binaryRow(BinaryOp op, double[] a, int pa, int ia, double[] b, int pb, int ib, double[] out, int po, int n) {
        if (ia == 1 && ib == 1 && pa == po && pb == po) {
            // the same index in every array lets the JIT vectorize even if out is a or b (see adam)
            int end = po + n;
            switch (op) {
                case ADD -> { for (int i = po; i < end; i++) out[i] = a[i] + b[i]; return; }
                case SUB -> { for (int i = po; i < end; i++) out[i] = a[i] - b[i]; return; }
                case MUL -> { for (int i = po; i < end; i++) out[i] = a[i] * b[i]; return; }
                case DIV -> { for (int i = po; i < end; i++) out[i] = a[i] / b[i]; return; }
                case RELU_GRAD -> { ReluGrad.reluGrad(a, b, out, po, end); return; }
                default -> { }
            }
        }
        if (ia == 1 && ib == 1) {
            switch (op) {
                case ADD -> { for (int i = 0; i < n; i++) out[po + i] = a[pa + i] + b[pb + i]; return; }
                case SUB -> { for (int i = 0; i < n; i++) out[po + i] = a[pa + i] - b[pb + i]; return; }
                case MUL -> { for (int i = 0; i < n; i++) out[po + i] = a[pa + i] * b[pb + i]; return; }
                case DIV -> { for (int i = 0; i < n; i++) out[po + i] = a[pa + i] / b[pb + i]; return; }
                case RELU_GRAD -> { for (int i = 0; i < n; i++) out[po + i] = b[pb + i] <= 0 ? 0.0 : a[pa + i]; return; }
                default -> { }
            }
        } else if (ia == 1 && ib == 0) {
            double bv = b[pb];
            switch (op) {
                case ADD -> { for (int i = 0; i < n; i++) out[po + i] = a[pa + i] + bv; return; }
                case SUB -> { for (int i = 0; i < n; i++) out[po + i] = a[pa + i] - bv; return; }
                case MUL -> { for (int i = 0; i < n; i++) out[po + i] = a[pa + i] * bv; return; }
                case DIV -> { for (int i = 0; i < n; i++) out[po + i] = a[pa + i] / bv; return; }
                default -> { }
            }
        }
        for (int i = 0; i < n; i++) {
            out[po + i] = apply(op, a[pa + i * ia], b[pb + i * ib]);
        }
    }

    static double apply(BinaryOp op, double x, double y) {
        return switch (op) {
            case ADD -> x + y;
            case SUB -> x - y;
            case MUL -> x * y;
            case DIV -> x / y;
            case POW -> Math.pow(x, y);
            case MAX -> Math.max(x, y);
            case MIN -> Math.min(x, y);
            case GT -> x > y ? 1.0 : 0.0;
            case GE -> x >= y ? 1.0 : 0.0;
            case LT -> x < y ? 1.0 : 0.0;
            case LE -> x <= y ? 1.0 : 0.0;
            case EQ -> x == y ? 1.0 : 0.0;
            case NOT_LT -> x < y ? 0.0 : 1.0;
            case NOT_GE -> x >= y ? 0.0 : 1.0;
            case RELU_GRAD -> y <= 0 ? 0.0 : x; // a NaN y keeps x, as PyTorch
        };
    }

    /**
     * Copies a strided view into a contiguous array: dst = src[offset + sum_i idx_i * strides_i]; idx is the caller's
     * scratch of at least shape.length elements. Modified: dst, idx.
     */
    static void copyStrided(int[] shape, double[] src, int off, int[] strides, double[] dst, int dOff, int[] idx) {
        int rank = shape.length;
        int total = Shapes.numel(shape);
        if (rank == 0) {
            dst[dOff] = src[off];
            return;
        }
        int inner = shape[rank - 1];
        if (total == 0 || inner == 0) {
            return;
        }
        int is = strides[rank - 1];
        java.util.Arrays.fill(idx, 0, rank, 0);
        int p = off;
        for (int po = 0; po < total; po += inner) {
            if (is == 1) {
                System.arraycopy(src, p, dst, dOff + po, inner);
            } else {
                for (int i = 0; i < inner; i++) {
                    dst[dOff + po + i] = src[p + i * is];
                }
            }
            for (int d = rank - 2; d >= 0; d--) {
                p += strides[d];
                if (++idx[d] < shape[d]) {
                    break;
                }
                p -= strides[d] * shape[d];
                idx[d] = 0;
            }
        }
    }

    /**
     * The accumulators of {@link #sum}, one array per thread grown on demand: the bias gradients' sums of a training
     * step allocate nothing (they were 3 KB of an MLP step's 12.6 KB, measured with the thread's allocation counter).
     */
    private static final ThreadLocal<double[][]> SUM_ACCUMULATORS =
            ThreadLocal.withInitial(() -> new double[][] {new double[0]});

    /**
     * Sum over the middle axis of x viewed as [outer, n, inner]: out[o, i] = sum_k x[o, k, i], accumulated
     * in double so that long sums keep precision. Modified: out.
     */
    static void sum(double[] x, int off, int outer, int n, int inner, double[] out) {
        if (inner == 1) {
            for (int o = 0; o < outer; o++) {
                double s = 0;
                int base = off + o * n;
                for (int k = 0; k < n; k++) {
                    s += x[base + k];
                }
                out[o] = s;
            }
            return;
        }
        double[][] held = SUM_ACCUMULATORS.get();
        if (held[0].length < inner) {
            held[0] = new double[inner];
        }
        double[] acc = held[0];
        for (int o = 0; o < outer; o++) {
            java.util.Arrays.fill(acc, 0, inner, 0.0);
            int base = off + o * n * inner;
            for (int k = 0; k < n; k++) {
                int row = base + k * inner;
                for (int i = 0; i < inner; i++) {
                    acc[i] += x[row + i];
                }
            }
            for (int i = 0; i < inner; i++) {
                out[o * inner + i] = acc[i];
            }
        }
    }

    /**
     * Maximum (or minimum, when {@code min}) over the middle axis of [outer, n, inner], with the index of the
     * first extreme element; NaN wins, as in PyTorch. Modified: out, arg.
     */
    static void extreme(double[] x, int off, int outer, int n, int inner, boolean min, double[] out, int[] arg) {
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int base = off + o * n * inner + i;
                double best = x[base];
                int bestK = 0;
                for (int k = 1; k < n && !Double.isNaN(best); k++) {
                    double v = x[base + k * inner];
                    if (Double.isNaN(v) || (min ? v < best : v > best)) {
                        best = v;
                        bestK = k;
                    }
                }
                out[o * inner + i] = best;
                arg[o * inner + i] = bestK;
            }
        }
    }

    /** out[r, :] = log_softmax(x[r, :]) = x - max - log(sum(exp(x - max))) for each of rows. Modified: out. */
    static void logSoftmax(double[] x, int off, int rows, int cols, double[] out) {
        for (int r = 0; r < rows; r++) {
            int base = off + r * cols;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) {
                max = Math.max(max, x[base + j]);
            }
            double s = 0;
            for (int j = 0; j < cols; j++) {
                s += Math.exp(x[base + j] - max);
            }
            double lse = Math.log(s);
            for (int j = 0; j < cols; j++) {
                out[r * cols + j] = ((x[base + j] - max) - lse);
            }
        }
    }

    /** y = alpha * y + beta * x (the BLAS axpby). Modified: y. */
    static void axpby(double alpha, double[] y, int yOff, double beta, double[] x, int xOff, int n) {
        double a = alpha, b = beta;
        if (a == 1.0) {
            for (int i = 0; i < n; i++) y[yOff + i] += b * x[xOff + i];
        } else {
            for (int i = 0; i < n; i++) y[yOff + i] = a * y[yOff + i] + b * x[xOff + i];
        }
    }

    /** y += value * t1 * t2, associated as (value * t1) * t2 like PyTorch's CPU kernel, so optimizers round alike. Modified: y. */
    static void addcmul(double[] y, int yOff, double value, double[] t1, int o1, double[] t2, int o2, int n) {
        for (int i = 0; i < n; i++) y[yOff + i] += value * t1[o1 + i] * t2[o2 + i];
    }

    /** y += value * t1 / t2, associated as (value * t1) / t2 like PyTorch's CPU kernel. Modified: y. */
    static void addcdiv(double[] y, int yOff, double value, double[] t1, int o1, double[] t2, int o2, int n) {
        for (int i = 0; i < n; i++) y[yOff + i] += value * t1[o1 + i] / t2[o2 + i];
    }

    /**
     * Cross-entropy of each row of x viewed as [rows, cols] against its class target[r]: logp = log_softmax(x)
     * (as {@link #logSoftmax}, same rounding) is kept for the backward, and loss[r] = -logp[r, target[r]].
     * Modified: logp, loss.
     */
    static void crossEntropy(double[] x, int off, int rows, int cols, int[] target, double[] logp, double[] loss) {
        logSoftmax(x, off, rows, cols, logp);
        for (int r = 0; r < rows; r++) {
            loss[r] = -logp[r * cols + target[r]];
        }
    }

    /**
     * The backward of {@link #crossEntropy} given g[r] = dL/dloss[r], in the operation order of the unfused
     * log_softmax, gather and neg backward passes: with h = -g[r] at the target and 0 elsewhere,
     * gx[r, j] = h[j] - exp(logp[r, j]) * sum_j h[j]. Modified: gx.
     */
    static void crossEntropyBackward(double[] logp, int rows, int cols, int[] target, double[] g, int gOff, int gStride,
                                     double[] gx) {
        for (int r = 0; r < rows; r++) {
            double h = -g[gOff + r * gStride];
            int base = r * cols, t = target[r];
            for (int j = 0; j < cols; j++) {
                gx[base + j] = (j == t ? h : 0.0) - Math.exp(logp[base + j]) * h;
            }
        }
    }

    /**
     * One Adam update of n elements in one pass, rounding exactly as the unfused sequence m.mul_(beta1).add_(g,
     * 1 - beta1); v.mul_(beta2).addcmul_(g, g, 1 - beta2); denom = v.sqrt() / bc2Sqrt + eps;
     * p.addcdiv_(m, denom, -stepSize) (PyTorch 1.13's single-tensor Adam). The caller rounds a1 = 1 - beta1,
     * a2 = 1 - beta2 and ns = -stepSize from double, as those ops round their scalar arguments. With the Vector API
     * ({@link Updates}) subnormal m and v are stored as zero (float32 only), wherever the arrays' offsets lie.
     * Modified: p, m, v.
     */
    static void adam(double[] p, int pOff, double[] g, int gOff, double[] m, int mOff, double[] v, int vOff, int n,
                     double beta1, double a1, double beta2, double a2, double ns, double bc2Sqrt, double eps) {
        if (pOff == gOff && gOff == mOff && mOff == vOff) {
            // Same index in every array: no cross-iteration dependence even if two arrays were one, so the JIT
            // vectorizes this copy (measured: the update was 27% of an MLP step with offsets in the indices).
            for (int i = pOff; i < pOff + n; i++) {
                double gi = g[i];
                double mi = m[i] * beta1;
                mi += a1 * gi;
                m[i] = mi;
                double vi = v[i] * beta2;
                vi += a2 * gi * gi;
                v[i] = vi;
                double denom = Math.sqrt(vi) / bc2Sqrt + eps;
                p[i] += ns * mi / denom;
            }
            return;
        }
        for (int i = 0; i < n; i++) {
            double gi = g[gOff + i];
            double mi = m[mOff + i] * beta1;
            mi += a1 * gi;
            m[mOff + i] = mi;
            double vi = v[vOff + i] * beta2;
            vi += a2 * gi * gi;
            v[vOff + i] = vi;
            double denom = Math.sqrt(vi) / bc2Sqrt + eps;
            p[pOff + i] += ns * mi / denom;
        }
    }

    /**
     * One SGD-with-momentum update in one pass, rounding as buf.mul_(momentum).add_(g, 1 - dampening);
     * p.add_(buf, -lr), with a = 1 - dampening and nl = -lr rounded from double by the caller. With the Vector API
     * ({@link Updates}) a subnormal buf is stored as zero (float32 only), wherever the arrays' offsets lie.
     * Modified: p, buf.
     */
    static void momentum(double[] p, int pOff, double[] g, int gOff, double[] buf, int bOff, int n, double momentum,
                         double a, double nl) {
        if (pOff == gOff && gOff == bOff) {
            for (int i = pOff; i < pOff + n; i++) { // same index everywhere: vectorized, as in adam
                double b = buf[i] * momentum;
                b += a * g[i];
                buf[i] = b;
                p[i] += nl * b;
            }
            return;
        }
        for (int i = 0; i < n; i++) {
            double b = buf[bOff + i] * momentum;
            b += a * g[gOff + i];
            buf[bOff + i] = b;
            p[pOff + i] += nl * b;
        }
    }
}
