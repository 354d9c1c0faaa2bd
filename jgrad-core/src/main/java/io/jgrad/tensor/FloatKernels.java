package io.jgrad.tensor;

/**
 * Plain-Java float32 kernels: loops over primitive arrays that the JIT vectorizes. Each kernel writes into an
 * output array the caller passes (the EJML convention); none allocates more than a small scratch row.
 *
 * <p>{@code DoubleKernels} is generated from this file by {@code scripts/gen-double-kernels.sh}: edit this one.
 */
final class FloatKernels {
    private FloatKernels() {}

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
    static void gemmRows(int rowStart, int rowEnd, int n, int k, float alpha,
                         float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                         float beta, float[] c, int cOff, int ldc) {
        for (int i = rowStart; i < rowEnd; i++) {
            int ci = cOff + i * ldc;
            if (beta == 0f) {
                java.util.Arrays.fill(c, ci, ci + n, 0f);
            } else if (beta != 1f) {
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
    private static void gemmBlock4(int n, float alpha, float[] a, int a0, int lda, int p0, int p1,
                                   float[] b, int bOff, int ldb, float[] c, int c0, int ldc) {
        int a1 = a0 + lda, a2 = a1 + lda, a3 = a2 + lda;
        int c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc;
        int p = p0;
        for (; p + GEMM_K_UNROLL <= p1; p += GEMM_K_UNROLL) {
            float x00 = alpha * a[a0 + p], x01 = alpha * a[a0 + p + 1], x02 = alpha * a[a0 + p + 2], x03 = alpha * a[a0 + p + 3];
            float x10 = alpha * a[a1 + p], x11 = alpha * a[a1 + p + 1], x12 = alpha * a[a1 + p + 2], x13 = alpha * a[a1 + p + 3];
            float x20 = alpha * a[a2 + p], x21 = alpha * a[a2 + p + 1], x22 = alpha * a[a2 + p + 2], x23 = alpha * a[a2 + p + 3];
            float x30 = alpha * a[a3 + p], x31 = alpha * a[a3 + p + 1], x32 = alpha * a[a3 + p + 2], x33 = alpha * a[a3 + p + 3];
            int b0 = bOff + p * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
            for (int j = 0; j < n; j++) {
                float y0 = b[b0 + j], y1 = b[b1 + j], y2 = b[b2 + j], y3 = b[b3 + j];
                c[c0 + j] += x00 * y0 + x01 * y1 + x02 * y2 + x03 * y3;
                c[c1 + j] += x10 * y0 + x11 * y1 + x12 * y2 + x13 * y3;
                c[c2 + j] += x20 * y0 + x21 * y1 + x22 * y2 + x23 * y3;
                c[c3 + j] += x30 * y0 + x31 * y1 + x32 * y2 + x33 * y3;
            }
        }
        for (; p < p1; p++) {
            float v0 = alpha * a[a0 + p], v1 = alpha * a[a1 + p], v2 = alpha * a[a2 + p], v3 = alpha * a[a3 + p];
            int bp = bOff + p * ldb;
            for (int j = 0; j < n; j++) {
                float bv = b[bp + j];
                c[c0 + j] += v0 * bv;
                c[c1 + j] += v1 * bv;
                c[c2 + j] += v2 * bv;
                c[c3 + j] += v3 * bv;
            }
        }
    }

    /** The one-row version of gemmBlock4, with the same order of operations for each C element. Modified: c. */
    private static void gemmBlock1(int n, float alpha, float[] a, int a0, int p0, int p1,
                                   float[] b, int bOff, int ldb, float[] c, int c0) {
        int p = p0;
        for (; p + GEMM_K_UNROLL <= p1; p += GEMM_K_UNROLL) {
            float x0 = alpha * a[a0 + p], x1 = alpha * a[a0 + p + 1], x2 = alpha * a[a0 + p + 2], x3 = alpha * a[a0 + p + 3];
            int b0 = bOff + p * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
            for (int j = 0; j < n; j++) {
                c[c0 + j] += x0 * b[b0 + j] + x1 * b[b1 + j] + x2 * b[b2 + j] + x3 * b[b3 + j];
            }
        }
        for (; p < p1; p++) {
            float v = alpha * a[a0 + p];
            int bp = bOff + p * ldb;
            for (int j = 0; j < n; j++) {
                c[c0 + j] += v * b[bp + j];
            }
        }
    }

    /** dst[i, j] = src[j, i] for a [rows, cols] source with row stride ld. Modified: dst. */
    static void transpose(float[] src, int off, int ld, int rows, int cols, float[] dst) {
        for (int i = 0; i < rows; i++) {
            int s = off + i * ld;
            for (int j = 0; j < cols; j++) {
                dst[j * rows + i] = src[s + j];
            }
        }
    }

    /** out[i] = op(x[i]; p, q) for i in [0, n). Modified: out (which may be x). */
    static void unary(UnaryOp op, double p, double q, float[] x, int xOff, float[] out, int oOff, int n) {
        UnaryKernels vector = UnaryKernels.VECTOR; // float32 only
        if (vector != null && vector.apply(op, (float) p, (float) q, x, xOff, out, oOff, n)) { // float32 only
            return; // float32 only
        } // float32 only
        unaryLoops(op, p, q, x, xOff, out, oOff, n);
    }

    /** {@link #unary} in plain loops. Modified: out (which may be x). */
    static void unaryLoops(UnaryOp op, double p, double q, float[] x, int xOff, float[] out, int oOff, int n) {
        float fp = (float) p, fq = (float) q;
        if (xOff == oOff) {
            // the same index in both arrays lets the JIT vectorize even if out is x (see adam); the usual case,
            // since op results and their ranges start where their inputs' do
            int end = xOff + n;
            switch (op) {
                case RELU -> { for (int i = xOff; i < end; i++) out[i] = Math.max(x[i], 0f); return; }
                case NEG -> { for (int i = xOff; i < end; i++) out[i] = -x[i]; return; }
                case ADD_SCALAR -> { for (int i = xOff; i < end; i++) out[i] = x[i] + fp; return; }
                case MUL_SCALAR -> { for (int i = xOff; i < end; i++) out[i] = x[i] * fp; return; }
                case DIV_SCALAR -> { for (int i = xOff; i < end; i++) out[i] = x[i] / fp; return; }
                case GT_SCALAR -> { for (int i = xOff; i < end; i++) out[i] = x[i] > fp ? 1f : 0f; return; }
                default -> { }
            }
        }
        switch (op) {
            case NEG -> { for (int i = 0; i < n; i++) out[oOff + i] = -x[xOff + i]; }
            case EXP -> { for (int i = 0; i < n; i++) out[oOff + i] = (float) Math.exp(x[xOff + i]); }
            case LOG -> { for (int i = 0; i < n; i++) out[oOff + i] = (float) Math.log(x[xOff + i]); }
            case SQRT -> { for (int i = 0; i < n; i++) out[oOff + i] = (float) Math.sqrt(x[xOff + i]); }
            case ABS -> { for (int i = 0; i < n; i++) out[oOff + i] = Math.abs(x[xOff + i]); }
            case SIGN -> { for (int i = 0; i < n; i++) out[oOff + i] = Math.signum(x[xOff + i]); }
            case RELU -> { for (int i = 0; i < n; i++) out[oOff + i] = Math.max(x[xOff + i], 0f); }
            case SIGMOID -> {
                for (int i = 0; i < n; i++) {
                    float v = x[xOff + i];
                    // Two branches so that exp never overflows: both give 1 / (1 + e^-v).
                    out[oOff + i] = v >= 0 ? (float) (1.0 / (1.0 + Math.exp(-v))) : (float) (Math.exp(v) / (1.0 + Math.exp(v)));
                }
            }
            case TANH -> { for (int i = 0; i < n; i++) out[oOff + i] = (float) Math.tanh(x[xOff + i]); }
            case POW -> {
                if (p == 2.0) {
                    for (int i = 0; i < n; i++) { float v = x[xOff + i]; out[oOff + i] = v * v; }
                } else {
                    for (int i = 0; i < n; i++) out[oOff + i] = (float) Math.pow(x[xOff + i], p);
                }
            }
            case ADD_SCALAR -> { for (int i = 0; i < n; i++) out[oOff + i] = x[xOff + i] + fp; }
            case MUL_SCALAR -> { for (int i = 0; i < n; i++) out[oOff + i] = x[xOff + i] * fp; }
            case DIV_SCALAR -> { for (int i = 0; i < n; i++) out[oOff + i] = x[xOff + i] / fp; }
            case RDIV_SCALAR -> { for (int i = 0; i < n; i++) out[oOff + i] = fp / x[xOff + i]; }
            case LEAKY_RELU -> { for (int i = 0; i < n; i++) { float v = x[xOff + i]; out[oOff + i] = v > 0 ? v : fp * v; } }
            case ELU -> { for (int i = 0; i < n; i++) { float v = x[xOff + i]; out[oOff + i] = v > 0 ? v : (float) (p * Math.expm1(v)); } }
            case ELU_GRAD -> { for (int i = 0; i < n; i++) { float v = x[xOff + i]; out[oOff + i] = v <= 0 ? (float) (p * Math.exp(v)) : 1f; } }
            case GELU -> { for (int i = 0; i < n; i++) { float v = x[xOff + i]; out[oOff + i] = (float) (v * SpecialFunctions.normalCdf(v)); } }
            case GELU_GRAD -> {
                for (int i = 0; i < n; i++) {
                    float v = x[xOff + i];
                    out[oOff + i] = (float) (SpecialFunctions.normalCdf(v) + v * SpecialFunctions.normalPdf(v));
                }
            }
            case CLAMP -> { for (int i = 0; i < n; i++) out[oOff + i] = Math.min(Math.max(x[xOff + i], fp), fq); }
            case INSIDE -> { for (int i = 0; i < n; i++) { float v = x[xOff + i]; out[oOff + i] = v >= fp && v <= fq ? 1f : 0f; } }
            case GT_SCALAR -> { for (int i = 0; i < n; i++) out[oOff + i] = x[xOff + i] > fp ? 1f : 0f; }
            case LT_SCALAR -> { for (int i = 0; i < n; i++) out[oOff + i] = x[xOff + i] < fp ? 1f : 0f; }
        }
    }

    /**
     * out = op(a, b) with broadcasting: out has shape {@code shape} (contiguous from oOff), a and b are read
     * through the given offsets and strides (0 in broadcast dimensions); idx is the caller's scratch of at least
     * shape.length elements (so that a call allocates nothing). Modified: out, idx.
     */
    static void binary(BinaryOp op, int[] shape, float[] a, int aOff, int[] as, float[] b, int bOff, int[] bs, float[] out,
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
    static void binaryRow(BinaryOp op, float[] a, int pa, int ia, float[] b, int pb, int ib, float[] out, int po, int n) {
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
                case RELU_GRAD -> { for (int i = 0; i < n; i++) out[po + i] = b[pb + i] <= 0 ? 0f : a[pa + i]; return; }
                default -> { }
            }
        } else if (ia == 1 && ib == 0) {
            float bv = b[pb];
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

    static float apply(BinaryOp op, float x, float y) {
        return switch (op) {
            case ADD -> x + y;
            case SUB -> x - y;
            case MUL -> x * y;
            case DIV -> x / y;
            case POW -> (float) Math.pow(x, y);
            case MAX -> Math.max(x, y);
            case MIN -> Math.min(x, y);
            case GT -> x > y ? 1f : 0f;
            case GE -> x >= y ? 1f : 0f;
            case LT -> x < y ? 1f : 0f;
            case LE -> x <= y ? 1f : 0f;
            case EQ -> x == y ? 1f : 0f;
            case NOT_LT -> x < y ? 0f : 1f;
            case NOT_GE -> x >= y ? 0f : 1f;
            case RELU_GRAD -> y <= 0 ? 0f : x; // a NaN y keeps x, as PyTorch
        };
    }

    /**
     * Copies a strided view into a contiguous array: dst = src[offset + sum_i idx_i * strides_i]; idx is the caller's
     * scratch of at least shape.length elements. Modified: dst, idx.
     */
    static void copyStrided(int[] shape, float[] src, int off, int[] strides, float[] dst, int dOff, int[] idx) {
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
     * in double so that long sums keep float32 precision. Modified: out.
     */
    static void sum(float[] x, int off, int outer, int n, int inner, float[] out) {
        if (inner == 1) {
            for (int o = 0; o < outer; o++) {
                double s = 0;
                int base = off + o * n;
                for (int k = 0; k < n; k++) {
                    s += x[base + k];
                }
                out[o] = (float) s;
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
                out[o * inner + i] = (float) acc[i];
            }
        }
    }

    /**
     * Maximum (or minimum, when {@code min}) over the middle axis of [outer, n, inner], with the index of the
     * first extreme element; NaN wins, as in PyTorch. Modified: out, arg.
     */
    static void extreme(float[] x, int off, int outer, int n, int inner, boolean min, float[] out, int[] arg) {
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                int base = off + o * n * inner + i;
                float best = x[base];
                int bestK = 0;
                for (int k = 1; k < n && !Float.isNaN(best); k++) {
                    float v = x[base + k * inner];
                    if (Float.isNaN(v) || (min ? v < best : v > best)) {
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
    static void logSoftmax(float[] x, int off, int rows, int cols, float[] out) {
        for (int r = 0; r < rows; r++) {
            int base = off + r * cols;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < cols; j++) {
                max = Math.max(max, x[base + j]);
            }
            double s = 0;
            for (int j = 0; j < cols; j++) {
                s += Math.exp(x[base + j] - max);
            }
            double lse = Math.log(s);
            for (int j = 0; j < cols; j++) {
                out[r * cols + j] = (float) ((x[base + j] - max) - lse);
            }
        }
    }

    /** y = alpha * y + beta * x (the BLAS axpby). Modified: y. */
    static void axpby(float alpha, float[] y, int yOff, float beta, float[] x, int xOff, int n) {
        float a = alpha, b = beta;
        if (a == 1f) {
            for (int i = 0; i < n; i++) y[yOff + i] += b * x[xOff + i];
        } else {
            for (int i = 0; i < n; i++) y[yOff + i] = a * y[yOff + i] + b * x[xOff + i];
        }
    }

    /** y += value * t1 * t2, associated as (value * t1) * t2 like PyTorch's CPU kernel, so optimizers round alike. Modified: y. */
    static void addcmul(float[] y, int yOff, float value, float[] t1, int o1, float[] t2, int o2, int n) {
        for (int i = 0; i < n; i++) y[yOff + i] += value * t1[o1 + i] * t2[o2 + i];
    }

    /** y += value * t1 / t2, associated as (value * t1) / t2 like PyTorch's CPU kernel. Modified: y. */
    static void addcdiv(float[] y, int yOff, float value, float[] t1, int o1, float[] t2, int o2, int n) {
        for (int i = 0; i < n; i++) y[yOff + i] += value * t1[o1 + i] / t2[o2 + i];
    }

    /**
     * Cross-entropy of each row of x viewed as [rows, cols] against its class target[r]: logp = log_softmax(x)
     * (as {@link #logSoftmax}, same rounding) is kept for the backward, and loss[r] = -logp[r, target[r]].
     * Modified: logp, loss.
     */
    static void crossEntropy(float[] x, int off, int rows, int cols, int[] target, float[] logp, float[] loss) {
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
    static void crossEntropyBackward(float[] logp, int rows, int cols, int[] target, float[] g, int gOff, int gStride,
                                     float[] gx) {
        for (int r = 0; r < rows; r++) {
            float h = -g[gOff + r * gStride];
            int base = r * cols, t = target[r];
            for (int j = 0; j < cols; j++) {
                gx[base + j] = (j == t ? h : 0f) - (float) Math.exp(logp[base + j]) * h;
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
    static void adam(float[] p, int pOff, float[] g, int gOff, float[] m, int mOff, float[] v, int vOff, int n,
                     float beta1, float a1, float beta2, float a2, float ns, float bc2Sqrt, float eps) {
        if (pOff == gOff && gOff == mOff && mOff == vOff && Updates.VECTOR != null) { // float32 only
            Updates.VECTOR.adam(p, g, m, v, pOff, n, beta1, a1, beta2, a2, ns, bc2Sqrt, eps); // float32 only
            return; // float32 only
        } // float32 only
        if (pOff == gOff && gOff == mOff && mOff == vOff) {
            // Same index in every array: no cross-iteration dependence even if two arrays were one, so the JIT
            // vectorizes this copy (measured: the update was 27% of an MLP step with offsets in the indices).
            for (int i = pOff; i < pOff + n; i++) {
                float gi = g[i];
                float mi = m[i] * beta1;
                mi += a1 * gi;
                m[i] = mi;
                float vi = v[i] * beta2;
                vi += a2 * gi * gi;
                v[i] = vi;
                float denom = (float) Math.sqrt(vi) / bc2Sqrt + eps;
                p[i] += ns * mi / denom;
            }
            return;
        }
        boolean flush = Updates.VECTOR != null; // views at other offsets flush too, as the vector loop // float32 only
        for (int i = 0; i < n; i++) {
            float gi = g[gOff + i];
            float mi = m[mOff + i] * beta1;
            mi += a1 * gi;
            mi = flush && Math.abs(mi) < Float.MIN_NORMAL ? 0f : mi; // float32 only
            m[mOff + i] = mi;
            float vi = v[vOff + i] * beta2;
            vi += a2 * gi * gi;
            vi = flush && Math.abs(vi) < Float.MIN_NORMAL ? 0f : vi; // float32 only
            v[vOff + i] = vi;
            float denom = (float) Math.sqrt(vi) / bc2Sqrt + eps;
            p[pOff + i] += ns * mi / denom;
        }
    }

    /**
     * One SGD-with-momentum update in one pass, rounding as buf.mul_(momentum).add_(g, 1 - dampening);
     * p.add_(buf, -lr), with a = 1 - dampening and nl = -lr rounded from double by the caller. With the Vector API
     * ({@link Updates}) a subnormal buf is stored as zero (float32 only), wherever the arrays' offsets lie.
     * Modified: p, buf.
     */
    static void momentum(float[] p, int pOff, float[] g, int gOff, float[] buf, int bOff, int n, float momentum,
                         float a, float nl) {
        if (pOff == gOff && gOff == bOff && Updates.VECTOR != null) { // float32 only
            Updates.VECTOR.momentum(p, g, buf, pOff, n, momentum, a, nl); // float32 only
            return; // float32 only
        } // float32 only
        if (pOff == gOff && gOff == bOff) {
            for (int i = pOff; i < pOff + n; i++) { // same index everywhere: vectorized, as in adam
                float b = buf[i] * momentum;
                b += a * g[i];
                buf[i] = b;
                p[i] += nl * b;
            }
            return;
        }
        boolean flush = Updates.VECTOR != null; // views at other offsets flush too, as the vector loop // float32 only
        for (int i = 0; i < n; i++) {
            float b = buf[bOff + i] * momentum;
            b += a * g[gOff + i];
            b = flush && Math.abs(b) < Float.MIN_NORMAL ? 0f : b; // float32 only
            buf[bOff + i] = b;
            p[pOff + i] += nl * b;
        }
    }
}
