package io.jgrad.nn;

import io.jgrad.tensor.Tensor;
import java.util.Arrays;
import java.util.function.UnaryOperator;

/**
 * The argument checks and batching shared by the pooling layers (and, for the input's rank and unbatched images,
 * Conv2d), with messages naming the layer.
 */
final class Pooling {
    private Pooling() {}

    static void check(String layer, int kernel, int stride, int padding) {
        if (kernel < 1 || stride < 1 || padding < 0 || padding > kernel / 2) {
            throw new IllegalArgumentException(layer + ": need kernel_size >= 1, stride >= 1 and 0 <= padding <="
                    + " kernel_size / 2 (as PyTorch), got kernel_size=" + kernel + ", stride=" + stride + ", padding="
                    + padding);
        }
    }

    /** Checks x is [N, C, H, W] or an unbatched [C, H, W] whose padded H and W fit the window. */
    static void checkInput(String layer, Tensor x, int kernel, int padding) {
        checkRank(layer, x);
        if (x.size(-2) + 2 * padding < kernel || x.size(-1) + 2 * padding < kernel) {
            throw new IllegalArgumentException(layer + ": input " + Arrays.toString(x.shape()) + " padded by " + padding
                    + " is smaller than the " + kernel + "x" + kernel + " window");
        }
    }

    static void checkRank(String layer, Tensor x) {
        if (x.dim() != 3 && x.dim() != 4) {
            throw new IllegalArgumentException(layer + ": input " + Arrays.toString(x.shape()) + " must be [N, C, H, W]"
                    + " or an unbatched image [C, H, W]");
        }
    }

    /**
     * op applied to x as a batch: an unbatched [C, H, W] goes through as [1, C, H, W] and comes back as
     * [C, Ho, Wo] (PyTorch 1.13 takes both), a batch [N, C, H, W] goes through unchanged.
     */
    static Tensor batched(Tensor x, UnaryOperator<Tensor> op) {
        return x.dim() == 3 ? op.apply(x.unsqueeze(0)).squeeze(0) : op.apply(x);
    }
}
