package io.jgrad.tensor;

/**
 * The kernels that do the arithmetic, behind one interface so that a faster implementation (SIMD, native
 * BLAS, a GPU) replaces them without touching the ops or autograd. The ops decide shapes and gradients; a
 * backend only computes. Outputs are contiguous tensors the caller allocated; inputs are not modified
 * unless the method says so. Both operands of a kernel have the same dtype (the ops promote first).
 */
interface Backend {
    /** A short name for logs and benchmarks, e.g. {@code "java"}. */
    String name();

    /** Worker threads used by the kernels that parallelize. */
    int threads();

    /**
     * Runs body over [0, n) cut into contiguous ranges (a few per thread), which the calling thread and the workers
     * take as they come free, when the work (elements read and written, in all) pays for handing ranges to other
     * threads; otherwise body.run(0, n) on the calling thread. Returns when every range is done. Each range must
     * write only its own outputs, in an order that does not depend on the split, so that results are the same for
     * any thread count.
     */
    void parallelFor(int n, long work, Backends.RangeBody body);

    /**
     * c = alpha * a * b + beta * c for 2-D views: a is [m, k], b is [k, n], c is [m, n] and contiguous; a and b
     * may each be row-major or a transposed (column-major) view. Modified: c.
     */
    void gemm(double alpha, Tensor a, Tensor b, double beta, Tensor c);

    /** out = op(x; p, q) element-wise over contiguous x and out of equal size (out may be x). Modified: out. */
    void unary(UnaryOp op, double p, double q, Tensor x, Tensor out);

    /**
     * out = op(a, b) with a and b read through their strides, broadcast to out's shape; out is contiguous but may
     * start inside its array (an in-place op on a view, e.g. div_). Modified: out.
     */
    void binary(BinaryOp op, Tensor a, Tensor b, Tensor out);

    /** Copies a strided tensor into contiguous dst of the same shape. Modified: dst. */
    void copy(Tensor src, Tensor dst);

    /** out[o, i] = sum_k x[o, k, i] over contiguous x viewed as [outer, n, inner]. Modified: out. */
    void sum(Tensor x, int outer, int n, int inner, Tensor out);

    /** Max (or min) over the middle axis of [outer, n, inner], with the index of the first extreme. Modified: out, arg. */
    void extreme(Tensor x, int outer, int n, int inner, boolean min, Tensor out, int[] arg);

    /** Row-wise log-softmax of contiguous x viewed as [rows, cols]. Modified: out. */
    void logSoftmax(Tensor x, int rows, int cols, Tensor out);

    /** y = alpha * y + beta * x over contiguous tensors of equal size. Modified: y. */
    void axpby(double alpha, Tensor y, double beta, Tensor x);

    /** y += value * t1 * t2. Modified: y. */
    void addcmul(Tensor y, double value, Tensor t1, Tensor t2);

    /** y += value * t1 / t2. Modified: y. */
    void addcdiv(Tensor y, double value, Tensor t1, Tensor t2);

    /**
     * Per-row cross-entropy of contiguous x [rows, cols] against class indices: logp = log_softmax(x) by row and
     * loss[r] = -logp[r, target[r]]. logp and loss are contiguous. Modified: logp, loss.
     */
    void crossEntropy(Tensor x, int[] target, Tensor logp, Tensor loss);

    /**
     * dL/dx of {@link #crossEntropy} from the saved logp [rows, cols] and g = dL/dloss [rows] (any stride):
     * gx[r, j] = g[r] * (exp(logp[r, j]) - [j == target[r]]). Modified: gx.
     */
    void crossEntropyBackward(Tensor logp, int[] target, Tensor g, Tensor gx);

    /**
     * One Adam step over contiguous tensors of equal size, in one pass, rounding as the unfused in-place ops
     * (see FloatKernels.adam). Modified: p, m, v.
     */
    void adam(Tensor p, Tensor g, Tensor m, Tensor v, double beta1, double beta2, double stepSize, double bc2Sqrt,
              double eps);

    /** buf = momentum * buf + (1 - dampening) * g; p -= lr * buf, in one pass. Modified: p, buf. */
    void momentum(Tensor p, Tensor g, Tensor buf, double momentum, double dampening, double lr);
}
