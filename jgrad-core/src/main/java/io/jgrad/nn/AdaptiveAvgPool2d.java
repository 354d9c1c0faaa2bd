package io.jgrad.nn;

import io.jgrad.tensor.Tensor;

/**
 * Average pooling to a fixed output size, as PyTorch's {@code nn.AdaptiveAvgPool2d}: [N, C, H, W] to
 * [N, C, outH, outW], output row i averaging input rows [floor(i H / outH), ceil((i + 1) H / outH)), columns
 * alike; an unbatched [C, H, W] gives [C, outH, outW] (as PyTorch 1.13). {@code AdaptiveAvgPool2d(1, 1)} is global
 * average pooling. See {@link Tensor#adaptiveAvgPool2d}.
 */
public class AdaptiveAvgPool2d extends Module {
    private final int outH;
    private final int outW;

    /** Pools to outH x outW. */
    public AdaptiveAvgPool2d(int outH, int outW) {
        if (outH < 1 || outW < 1) {
            throw new IllegalArgumentException("AdaptiveAvgPool2d: output size must be positive, got " + outH + "x" + outW);
        }
        this.outH = outH;
        this.outW = outW;
    }

    @Override
    public Tensor forward(Tensor x) {
        requireInput(x);
        Pooling.checkRank("AdaptiveAvgPool2d", x);
        return Pooling.batched(x, b -> b.adaptiveAvgPool2d(outH, outW));
    }

    @Override
    protected String extraRepr() {
        return "output_size=(" + outH + ", " + outW + ")";
    }
}
