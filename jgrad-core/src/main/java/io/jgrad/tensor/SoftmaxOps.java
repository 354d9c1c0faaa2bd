package io.jgrad.tensor;

/**
 * Softmax and log-softmax along a dimension. Written as primitives with their own backward (rather than
 * composed from exp, sum and div) for numerical stability: the max is subtracted before exponentiating, so
 * logits of 1000 do not overflow, and log-softmax never takes the log of an underflowed 0.
 */
final class SoftmaxOps {
    private SoftmaxOps() {}

    /** Unrecorded log-softmax along d: moves d last, runs the row kernel, moves it back. */
    private static Tensor forward(Tensor x, int d) {
        int r = x.shape.length;
        if (r == 0) {
            // one element is its own row: log-softmax x - x = 0 (NaN for an infinite x), softmax 1, as in PyTorch
            Tensor out = Tensor.empty(x.dtype, x.shape);
            Tensor xc;
            try (var scope = Tensor.noGrad()) {
                xc = x.contiguous();
            }
            Backends.current().logSoftmax(xc, 1, 1, out);
            return out;
        }
        Tensor moved = d == r - 1 ? x : x.transpose(d, r - 1);
        Tensor xc;
        try (var scope = Tensor.noGrad()) {
            xc = moved.contiguous();
        }
        int cols = r == 0 ? 1 : xc.shape[r - 1];
        Tensor out = Tensor.empty(x.dtype, xc.shape);
        Backends.current().logSoftmax(xc, cols == 0 ? 0 : xc.numel() / cols, cols, out);
        if (d == r - 1) {
            return out;
        }
        try (var scope = Tensor.noGrad()) {
            return out.transpose(d, r - 1).contiguous();
        }
    }

    /** y = x - log sum e^x; dL/dx = g - softmax(x) * sum(g) along dim. */
    static Tensor logSoftmax(Tensor x, int dim) {
        int d = Shapes.dim("logSoftmax", dim, x.shape.length);
        Tensor y = forward(x, d);
        return Autograd.record("log_softmax", y, g -> new Tensor[] {g.sub(y.exp().mul(g.sum(d, true)))}, x);
    }

    /** y = e^x / sum e^x; dL/dx = y * (g - sum(g * y)) along dim. */
    static Tensor softmax(Tensor x, int dim) {
        int d = Shapes.dim("softmax", dim, x.shape.length);
        Tensor y;
        try (var scope = Tensor.noGrad()) {
            y = forward(x, d).exp();
        }
        return Autograd.record("softmax", y, g -> new Tensor[] {y.mul(g.sub(g.mul(y).sum(d, true)))}, x);
    }

    /** loss[i] = -logSoftmax(x)[i, target[i]]; dL/dx[i, j] = g[i] (softmax(x)[i, j] - [j == target[i]]). */
    static Tensor crossEntropy(Tensor x, Tensor target) {
        Tensor.requireArgument("crossEntropy", "target", target);
        if (x.shape.length != 2 || target.shape.length != 1 || target.shape[0] != x.shape[0]) {
            throw new IllegalArgumentException("crossEntropy: logits " + Shapes.str(x.shape) + " and target "
                    + Shapes.str(target.shape) + ": expected logits [N, C] and target [N] of class indices");
        }
        int rows = x.shape[0];
        int[] classes = BufferPool.ints(rows); // filled by the backend from target; kept for the backward, as logp
        Tensor tc = target.contiguous();
        Tensor xc;
        try (var scope = Tensor.noGrad()) {
            xc = x.contiguous();
        }
        Tensor logp = Tensor.forOverwrite(x.dtype, x.shape);
        Tensor loss = Tensor.forOverwrite(x.dtype, new int[] {rows});
        Backends.current().crossEntropy(xc, tc, classes, logp, loss);
        return Autograd.record("cross_entropy", loss, g -> {
            Tensor gx = Tensor.forOverwrite(x.dtype, x.shape);
            Backends.current().crossEntropyBackward(logp, classes, g, gx);
            return new Tensor[] {gx};
        }, x);
    }
}
