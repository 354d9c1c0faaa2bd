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

    /**
     * dst[i] = src[i] rounded to dst's dtype (float64 to float32 to nearest; float32 to float64 exactly), for contiguous
     * src and dst of equal size and different dtypes. Modified: dst.
     */
    void convert(Tensor src, Tensor dst);

    /**
     * mask[i] = 0 with probability p, else keep, for contiguous mask in row-major order: element i is 0 where the i-th
     * of gen's uniform draws, taken in that order, is below p (so that the masks are those of a loop over the
     * elements, whatever the backend). Modified: mask, gen.
     */
    void dropoutMask(Generator gen, double p, double keep, Tensor mask);

    /** out[i] = value (rounded to out's dtype) for its numel elements, contiguous from its offset. Modified: out. */
    void fill(Tensor out, double value);

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
     * Per-row cross-entropy of contiguous x [rows, cols] against the class indices held in target (contiguous [rows],
     * either dtype): classes[r] = target[r], logp = log_softmax(x) by row and loss[r] = -logp[r, classes[r]]; logp and
     * loss are contiguous. A target value that is not an integer in [0, cols) is refused with an
     * IllegalArgumentException naming it and its row, before logp and loss are written. The backend reads the targets
     * itself, so that a step recorded at this interface can be replayed with another batch's. Modified: classes,
     * logp, loss.
     */
    void crossEntropy(Tensor x, Tensor target, int[] classes, Tensor logp, Tensor loss);

    /**
     * dL/dx of {@link #crossEntropy} from the saved logp [rows, cols] and g = dL/dloss [rows] (any stride):
     * gx[r, j] = g[r] * (exp(logp[r, j]) - [j == target[r]]), target the classes that crossEntropy filled. Modified: gx.
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

    /** sum x_i^2 over contiguous x, accumulated in double (for norms: gradient clipping, logs). */
    double sumOfSquares(Tensor x);

    /**
     * y = conv2d(x, w) + b with the sizes of g (see {@link ConvOps}): x [n, c, h, w], w [o, c / groups, kH, kW], b [o]
     * (null: no bias) and y [n, o, ho, wo], all contiguous and of one dtype. Modified: y.
     */
    void conv2d(Conv2dGeometry g, Tensor x, Tensor w, Tensor b, Tensor y);

    /**
     * The gradients of {@link #conv2d} from contiguous gy = dL/dy [n, o, ho, wo]: gx += dL/dx, gw += dL/dw, gb += dL/db
     * (gb[o] = sum of gy over n, ho, wo), each onto zeros the caller allocated, or skipped where null. Modified: gx,
     * gw, gb.
     */
    void conv2dBackward(Conv2dGeometry g, Tensor x, Tensor w, Tensor gy, Tensor gx, Tensor gw, Tensor gb);

    /**
     * Max pooling of contiguous x [n, c, h, w] by square windows (kernel, stride, padding: a window is cut to the
     * image) into contiguous y [n, c, ho, wo]; arg[i] is the index within its plane (h * w) of the first maximum of
     * output i's window (a NaN is a maximum, as in PyTorch). Modified: y, arg.
     */
    void maxPool2d(Tensor x, int kernel, int stride, int padding, Tensor y, int[] arg);

    /** gx[plane, arg[i]] += gy[i] for contiguous gy [n, c, ho, wo] onto gx [n, c, h, w]. Modified: gx. */
    void maxPool2dBackward(Tensor gy, int[] arg, Tensor gx);

    /**
     * Average pooling of contiguous x [n, c, h, w] into y [n, c, ho, wo]: the sum of each window over kernel^2 (the
     * padding counts in the divisor, PyTorch's count_include_pad). Modified: y.
     */
    void avgPool2d(Tensor x, int kernel, int stride, int padding, Tensor y);

    /** The adjoint of {@link #avgPool2d}: each gy[i] / kernel^2 added to its window's inputs in gx. Modified: gx. */
    void avgPool2dBackward(Tensor gy, int kernel, int stride, int padding, Tensor gx);

    /**
     * Adaptive average pooling of contiguous x [n, c, h, w] into y [n, c, outH, outW] (y's shape gives the output
     * size): output row i averages input rows [floor(i h / outH), ceil((i + 1) h / outH)), columns alike. Modified: y.
     */
    void adaptiveAvgPool2d(Tensor x, Tensor y);

    /** The adjoint of {@link #adaptiveAvgPool2d}: each gy[i] spread evenly over its window in gx. Modified: gx. */
    void adaptiveAvgPool2dBackward(Tensor gy, Tensor gx);

    /**
     * Batch normalization of contiguous x viewed as [n, c, s] (n = shape[0], c = shape[1], s the rest, m = n * s
     * values per channel), per channel k, where w[k] and b[k] are element k of weight and bias (1-D, any strides and
     * dtype; 1 and 0 where null). With batchStatistics, mean[k] and the biased var[k] are computed from x, and then the
     * running statistics that are not null move towards them: runningMean[k] = (1 - momentum) runningMean[k]
     * + momentum mean[k], runningVar[k] = (1 - momentum) runningVar[k] + momentum var[k] m / (m - 1) (the unbiased
     * variance), each rounded to its tensor's dtype; otherwise mean[k] and var[k] are read from runningMean and
     * runningVar, or kept as passed where those are null. Then istd[k] = 1 / sqrt(var[k] + eps),
     * scale[k] = istd[k] w[k], shift[k] = b[k] and y = (x - mean[k]) scale[k] + shift[k]. Modified: y, mean, var,
     * istd, scale, shift, and with batchStatistics runningMean and runningVar.
     */
    void batchNorm(Tensor x, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar, boolean batchStatistics,
                   double momentum, double eps, double[] mean, double[] var, double[] istd, double[] scale,
                   double[] shift, Tensor y);

    /**
     * The backward of {@link #batchNorm} from contiguous g = dL/dy and the forward's x, mean, istd and scale, per
     * channel k over its m = n * s values: sumG[k] = sum g and sumGX[k] = sum g (x - mean[k]); where gx is not null,
     * gx = scale[k] g + bx[k] (x - mean[k]) + e[k] with, for batchStatistics (the statistics depend on x),
     * bx[k] = -scale[k] istd[k]^2 sumGX[k] / m and e[k] = -scale[k] sumG[k] / m, otherwise 0; where gw is not null,
     * the weight's gradient gw[k] = sumGX[k] istd[k]; where gb is not null, the bias's gb[k] = sumG[k] (gw and gb
     * contiguous [c], rounded to their dtype). Modified: sumG, sumGX, gx, gw, gb.
     */
    void batchNormBackward(Tensor g, Tensor x, boolean batchStatistics, double[] mean, double[] istd, double[] scale,
                           double[] sumG, double[] sumGX, Tensor gx, Tensor gw, Tensor gb);
}
