package io.jgrad.nn;

import io.jgrad.tensor.Tensor;

/**
 * Average pooling over k x k windows of [N, C, H, W] images, as PyTorch's {@code nn.AvgPool2d} with its defaults
 * (ceil_mode=False, count_include_pad=True: the zero padding counts in each window's divisor k * k).
 * Ho = floor((H + 2 padding - k) / stride) + 1; an unbatched [C, H, W] gives [C, Ho, Wo] (as PyTorch 1.13).
 * See {@link Tensor#avgPool2d}.
 */
public class AvgPool2d extends Module {
    private final int kernel;
    private final int stride;
    private final int padding;

    /** Non-overlapping k x k windows (stride k). */
    public AvgPool2d(int kernel) {
        this(kernel, kernel, 0);
    }

    /** k x k windows every {@code stride} pixels, no padding. */
    public AvgPool2d(int kernel, int stride) {
        this(kernel, stride, 0);
    }

    /** k x k windows every {@code stride} pixels; padding must be at most k / 2, as in PyTorch. */
    public AvgPool2d(int kernel, int stride, int padding) {
        Pooling.check("AvgPool2d", kernel, stride, padding);
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
    }

    @Override
    public Tensor forward(Tensor x) {
        requireInput(x);
        Pooling.checkInput("AvgPool2d", x, kernel, padding);
        return Pooling.batched(x, b -> b.avgPool2d(kernel, stride, padding));
    }

    @Override
    protected String extraRepr() {
        return "kernel_size=" + kernel + ", stride=" + stride + ", padding=" + padding;
    }
}
