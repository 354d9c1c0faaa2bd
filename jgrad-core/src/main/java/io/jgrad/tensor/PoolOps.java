package io.jgrad.tensor;

/**
 * Pooling over the two last dimensions of NCHW tensors, each window reduced independently per channel, with the
 * backward beside the forward: max pooling routes each output gradient to the first maximum of its window (as
 * PyTorch does), average pooling spreads it evenly over its window. Windows start at o * stride - padding;
 * Ho = floor((H + 2 padding - kernel) / stride) + 1 (PyTorch's ceil_mode=False). The backend computes them
 * ({@link Backend#maxPool2d} and the methods after it); this class checks the sizes and records the ops.
 */
final class PoolOps {
    private PoolOps() {}

    static Tensor maxPool2d(Tensor x, int kernel, int stride, int padding) {
        int[] out = windowShape("maxPool2d", x, kernel, stride, padding);
        Tensor xc = contiguous(x);
        Tensor y = Tensor.forOverwrite(x.dtype, out);
        int[] arg = BufferPool.ints(y.numel()); // every entry written by the forward
        Backends.current().maxPool2d(xc, kernel, stride, padding, y, arg);
        return Autograd.record("max_pool2d", y, g -> {
            Tensor gx = Tensor.empty(x.dtype, x.shape);
            Backends.current().maxPool2dBackward(g.contiguous(), arg, gx);
            return new Tensor[] {gx};
        }, x);
    }

    /** Average pooling with count_include_pad=True (PyTorch's default): the padding counts in the divisor. */
    static Tensor avgPool2d(Tensor x, int kernel, int stride, int padding) {
        int[] out = windowShape("avgPool2d", x, kernel, stride, padding);
        Tensor xc = contiguous(x);
        Tensor y = Tensor.empty(x.dtype, out);
        Backends.current().avgPool2d(xc, kernel, stride, padding, y);
        return Autograd.record("avg_pool2d", y, g -> {
            Tensor gx = Tensor.empty(x.dtype, x.shape);
            Backends.current().avgPool2dBackward(g.contiguous(), kernel, stride, padding, gx);
            return new Tensor[] {gx};
        }, x);
    }

    /**
     * Average over windows chosen to give an output of exactly outH x outW: output row i covers input rows
     * [floor(i H / outH), ceil((i + 1) H / outH)), columns alike (windows may overlap when H is not a multiple).
     */
    static Tensor adaptiveAvgPool2d(Tensor x, int outH, int outW) {
        check4d("adaptiveAvgPool2d", x);
        if (outH < 1 || outW < 1) {
            throw new IllegalArgumentException("adaptiveAvgPool2d: output size must be positive, got " + outH + "x" + outW);
        }
        Tensor xc = contiguous(x);
        if (x.shape[2] == 0 || x.shape[3] == 0) {
            throw new IllegalArgumentException("adaptiveAvgPool2d: input " + Shapes.str(x.shape) + " has an empty plane");
        }
        Tensor y = Tensor.empty(x.dtype, new int[] {x.shape[0], x.shape[1], outH, outW});
        Backends.current().adaptiveAvgPool2d(xc, y);
        return Autograd.record("adaptive_avg_pool2d", y, g -> {
            Tensor gx = Tensor.empty(x.dtype, x.shape);
            Backends.current().adaptiveAvgPool2dBackward(g.contiguous(), gx);
            return new Tensor[] {gx};
        }, x);
    }

    private static Tensor contiguous(Tensor x) {
        try (var scope = Tensor.noGrad()) {
            return x.contiguous();
        }
    }

    private static void check4d(String op, Tensor x) {
        if (x.shape.length != 4) {
            throw new IllegalArgumentException(op + ": input must be [N, C, H, W], got shape " + Shapes.str(x.shape)
                    + (x.shape.length == 3 ? "; add the batch dimension with unsqueeze(0)" : ""));
        }
    }

    /** The output shape [N, C, Ho, Wo], after checking the window settings as PyTorch does. */
    private static int[] windowShape(String op, Tensor x, int kernel, int stride, int padding) {
        check4d(op, x);
        if (kernel < 1 || stride < 1 || padding < 0 || padding > kernel / 2) {
            throw new IllegalArgumentException(op + ": need kernel >= 1, stride >= 1 and 0 <= padding <= kernel / 2, got"
                    + " kernel=" + kernel + ", stride=" + stride + ", padding=" + padding);
        }
        int h = x.shape[2], w = x.shape[3];
        if (h + 2 * padding < kernel || w + 2 * padding < kernel) {
            throw new IllegalArgumentException(op + ": input " + Shapes.str(x.shape) + " padded by " + padding + " is "
                    + (h + 2 * padding) + "x" + (w + 2 * padding) + ", smaller than the " + kernel + "x" + kernel
                    + " window");
        }
        return new int[] {x.shape[0], x.shape[1], (h + 2 * padding - kernel) / stride + 1,
                (w + 2 * padding - kernel) / stride + 1};
    }
}
