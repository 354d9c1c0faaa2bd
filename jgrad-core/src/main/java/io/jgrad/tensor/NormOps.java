package io.jgrad.tensor;

/**
 * Batch normalization over dimension 1 of [N, C, ...] (PyTorch's {@code F.batch_norm}), forward and backward
 * side by side. With m = N * (elements per channel and sample), per channel k:
 * y = (x - mu_k) * istd_k * w_k + b_k, istd_k = 1 / sqrt(var_k + eps), where in training mu and var are the
 * batch's (var biased) and in evaluation the running statistics.
 *
 * <p>Backward, with xhat = (x - mu) istd and g = dL/dy: db_k = sum g, dw_k = sum g xhat, and in training
 * (mu and var depend on x) dx = w istd (g - sum g / m - xhat sum(g xhat) / m); in evaluation dx = w istd g.
 * One fused op instead of the seven broadcasting ops it replaces: a convolutional network spent more time in
 * those (and in their broadcast reductions) than in its convolutions. The backend computes both passes
 * ({@link Backend#batchNorm}, {@link Backend#batchNormBackward}), reading the per-channel parameters, updating the
 * running statistics and writing the parameters' gradients itself, so that a recorded training step replays all of
 * it; this class checks the sizes and records the op.
 */
final class NormOps {
    private NormOps() {}

    /** Throws when the running statistic {@code r} (may be null) of {@code c} channels is an expand()ed view of one element. */
    private static void requireElementPerChannel(Tensor r, int c) {
        if (r != null && c > 1 && r.strides[0] == 0) {
            // each channel's update would land in the same element, the last channel's winning over the others
            throw new IllegalArgumentException("batch_norm: a running statistic of shape " + Shapes.str(r.shape)
                    + " is an expand()ed view whose " + c + " elements share one memory location, so training"
                    + " cannot update it per channel; pass a tensor of its own (contiguous())");
        }
    }

    static Tensor batchNorm(Tensor x, Tensor weight, Tensor bias, Tensor runningMean, Tensor runningVar,
                            boolean training, double momentum, double eps) {
        Tensor.requireArgument("batch_norm", "input", x);
        if (x.shape.length < 2) {
            throw new IllegalArgumentException("batch_norm: input " + Shapes.str(x.shape) + " needs a channel dimension 1");
        }
        int n = x.shape[0], c = x.shape[1], s = c == 0 || n == 0 ? 0 : x.numel() / (n * c);
        for (Tensor p : new Tensor[] {weight, bias, runningMean, runningVar}) {
            if (p != null && (p.shape.length != 1 || p.shape[0] != c)) {
                throw new IllegalArgumentException("batch_norm: input " + Shapes.str(x.shape) + " has " + c
                        + " channels but a parameter or running statistic has shape " + Shapes.str(p.shape));
            }
        }
        if (training) { // two calls, not a loop over a new array: this runs at every training step
            requireElementPerChannel(runningMean, c);
            requireElementPerChannel(runningVar, c);
        }
        long m = (long) n * s;
        if (training && m == 1) {
            throw new IllegalArgumentException("batch_norm: training needs more than 1 value per channel, got input "
                    + Shapes.str(x.shape));
        }
        if (!training && (runningMean == null || runningVar == null)) {
            throw new IllegalArgumentException("batch_norm: evaluation needs the running mean and variance");
        }
        DType t = DType.promote(DType.promote(x.dtype, weight == null ? x.dtype : weight.dtype),
                bias == null ? x.dtype : bias.dtype);
        Tensor xc = contiguous(x, t);
        double[] mean = new double[c], var = new double[c], istd = new double[c], scale = new double[c],
                shift = new double[c];
        Tensor y = Tensor.forOverwrite(t, x.shape);
        // an empty batch has no moments (0 / 0): the zeros stand in, keeping istd finite, so that the weight's
        // gradient sum(g xhat) istd is 0 rather than NaN; the running statistics are then neither read nor updated
        boolean batchStatistics = training && m > 0, running = batchStatistics || !training;
        Backends.current().batchNorm(xc, weight, bias, running ? runningMean : null, running ? runningVar : null,
                batchStatistics, momentum, eps, mean, var, istd, scale, shift, y);
        return Autograd.record("batch_norm", y, g -> {
            Tensor gc = g.to(t).contiguous();
            double[] sumG = new double[c], sumGX = new double[c];
            Tensor gx = x.requiresGrad ? Tensor.forOverwrite(t, x.shape) : null;
            Tensor gw = weight != null && weight.requiresGrad ? Tensor.forOverwrite(t, new int[] {c}) : null;
            Tensor gb = bias != null && bias.requiresGrad ? Tensor.forOverwrite(t, new int[] {c}) : null;
            Backends.current().batchNormBackward(gc, xc, batchStatistics, mean, istd, scale, sumG, sumGX, gx, gw, gb);
            return new Tensor[] {gx, gw, gb};
        }, x, weight, bias);
    }

    private static Tensor contiguous(Tensor x, DType t) {
        try (var scope = Tensor.noGrad()) {
            return x.to(t).contiguous();
        }
    }
}
