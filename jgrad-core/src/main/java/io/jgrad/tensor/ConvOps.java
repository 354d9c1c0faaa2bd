package io.jgrad.tensor;

/**
 * 2-D convolution over NCHW tensors (PyTorch's conv2d, which is a cross-correlation), forward and backward side
 * by side. With x [N, C, H, W], weight [O, C/G, kH, kW] and G groups:
 * y[n, o, i, j] = b[o] + sum_{c in group(o), ki, kj} w[o, c, ki, kj] * x[n, c, i*s - p + ki*d, j*s - p + kj*d],
 * zero outside the image, with Ho = floor((H + 2p - d(kH - 1) - 1) / s) + 1 (Wo alike). Backward:
 * dx[n, c, h, w] = sum over the outputs whose window covers (h, w) of w[o, c, ki, kj] * dy[n, o, i, j],
 * dw[o, c, ki, kj] = sum_{n, i, j} dy[n, o, i, j] * x[n, c, i*s - p + ki*d, j*s - p + kj*d], db[o] = sum dy[n, o].
 * The backend computes both ({@link Backend#conv2d}, {@link Backend#conv2dBackward}; the CPU's way is
 * {@link CpuConvolution}'s im2col and GEMM); this class checks the sizes and records the op.
 */
final class ConvOps {
    private ConvOps() {}

    static Tensor conv2d(Tensor x, Tensor w, Tensor b, int stride, int padding, int dilation, int groups) {
        Conv2dGeometry g = check(x, w, b, stride, padding, dilation, groups);
        DType t = DType.promote(x.dtype, w.dtype);
        if (b != null) {
            t = DType.promote(t, b.dtype);
        }
        Tensor xc, wc, bc;
        try (var scope = Tensor.noGrad()) {
            xc = x.to(t).contiguous();
            wc = w.to(t).contiguous();
            bc = b == null ? null : b.to(t).contiguous();
        }
        Tensor y = Tensor.forOverwrite(t, new int[] {g.n(), g.o(), g.ho(), g.wo()});
        Backends.current().conv2d(g, xc, wc, bc, y);
        return Autograd.record("conv2d", y, gy -> {
            Tensor gc = gy.to(xc.dtype).contiguous();
            // zeros: dx is summed where windows overlap, and an empty batch adds nothing to any of them
            Tensor gx = x.requiresGrad ? Tensor.empty(xc.dtype, xc.shape) : null;
            Tensor gw = w.requiresGrad ? Tensor.empty(xc.dtype, wc.shape) : null;
            Tensor gb = b != null && b.requiresGrad ? Tensor.empty(xc.dtype, new int[] {g.o()}) : null;
            Backends.current().conv2dBackward(g, xc, wc, gc, gx, gw, gb);
            return new Tensor[] {gx, gw, gb};
        }, x, w, b);
    }

    private static Conv2dGeometry check(Tensor x, Tensor w, Tensor b, int s, int p, int d, int groups) {
        Tensor.requireArgument("conv2d", "input", x);
        Tensor.requireArgument("conv2d", "weight", w);
        if (x.shape.length != 4 || w.shape.length != 4) {
            throw new IllegalArgumentException("conv2d: input must be [N, C, H, W] and weight [O, C/groups, kH, kW], got "
                    + Shapes.str(x.shape) + " and " + Shapes.str(w.shape));
        }
        if (s < 1 || p < 0 || d < 1 || groups < 1) {
            throw new IllegalArgumentException("conv2d: need stride >= 1, padding >= 0, dilation >= 1, groups >= 1, got"
                    + " stride=" + s + ", padding=" + p + ", dilation=" + d + ", groups=" + groups);
        }
        int n = x.shape[0], c = x.shape[1], h = x.shape[2], wd = x.shape[3];
        int o = w.shape[0], kH = w.shape[2], kW = w.shape[3];
        if (c % groups != 0 || o % groups != 0) {
            throw new IllegalArgumentException("conv2d: input channels " + c + " and output channels " + o
                    + " must both be divisible by groups=" + groups);
        }
        if (w.shape[1] * groups != c) {
            throw new IllegalArgumentException("conv2d: input " + Shapes.str(x.shape) + " has " + c + " channels, weight "
                    + Shapes.str(w.shape) + " with groups=" + groups + " expects " + w.shape[1] * groups);
        }
        if (b != null && (b.shape.length != 1 || b.shape[0] != o)) {
            throw new IllegalArgumentException("conv2d: bias has shape " + Shapes.str(b.shape) + ", expected [" + o + "]");
        }
        int ho = (h + 2 * p - d * (kH - 1) - 1) / s + 1, wo = (wd + 2 * p - d * (kW - 1) - 1) / s + 1;
        if (h + 2 * p < d * (kH - 1) + 1 || wd + 2 * p < d * (kW - 1) + 1 || kH < 1 || kW < 1) {
            throw new IllegalArgumentException("conv2d: input " + Shapes.str(x.shape) + " padded by " + p + " is "
                    + (h + 2 * p) + "x" + (wd + 2 * p) + ", smaller than the kernel " + kH + "x" + kW + " dilated by " + d
                    + " (" + (d * (kH - 1) + 1) + "x" + (d * (kW - 1) + 1) + "); use a larger input or more padding");
        }
        return new Conv2dGeometry(n, c, h, wd, o, kH, kW, s, p, d, groups, ho, wo);
    }
}
