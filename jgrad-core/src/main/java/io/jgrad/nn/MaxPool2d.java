package io.jgrad.nn;

import io.jgrad.tensor.Tensor;

/**
 * Max pooling over k x k windows of [N, C, H, W] images, as PyTorch's {@code nn.MaxPool2d} (ceil_mode=False): the
 * padding is never chosen, and the gradient of each output goes to the first maximum of its window.
 * Ho = floor((H + 2 padding - k) / stride) + 1; an unbatched [C, H, W] gives [C, Ho, Wo] (as PyTorch 1.13).
 * See {@link Tensor#maxPool2d}.
 */
public class MaxPool2d extends Module {
    private final int kernel;
    private final int stride;
    private final int padding;

    /** Non-overlapping k x k windows (stride k). */
    public MaxPool2d(int kernel) {
        this(kernel, kernel, 0);
    }

    /** k x k windows every {@code stride} pixels, no padding. */
    public MaxPool2d(int kernel, int stride) {
        this(kernel, stride, 0);
    }

    /** k x k windows every {@code stride} pixels; padding must be at most k / 2, as in PyTorch. */
    public MaxPool2d(int kernel, int stride, int padding) {
        Pooling.check("MaxPool2d", kernel, stride, padding);
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
    }

    @Override
    public Tensor forward(Tensor x) {
        requireInput(x);
        Pooling.checkInput("MaxPool2d", x, kernel, padding);
        return Pooling.batched(x, b -> b.maxPool2d(kernel, stride, padding));
    }

    @Override
    protected String extraRepr() {
        return "kernel_size=" + kernel + ", stride=" + stride + ", padding=" + padding + ", dilation=1, ceil_mode=False";
    }
}
