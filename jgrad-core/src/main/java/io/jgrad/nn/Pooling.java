package io.jgrad.nn;

import io.jgrad.tensor.Tensor;
import java.util.Arrays;

/** The argument checks shared by {@link MaxPool2d} and {@link AvgPool2d}, with messages naming the layer. */
final class Pooling {
    private Pooling() {}

    static void check(String layer, int kernel, int stride, int padding) {
        if (kernel < 1 || stride < 1 || padding < 0 || padding > kernel / 2) {
            throw new IllegalArgumentException(layer + ": need kernel_size >= 1, stride >= 1 and 0 <= padding <="
                    + " kernel_size / 2 (as PyTorch), got kernel_size=" + kernel + ", stride=" + stride + ", padding="
                    + padding);
        }
    }

    static void checkInput(String layer, Tensor x, int kernel, int padding) {
        if (x.dim() != 4) {
            throw new IllegalArgumentException(layer + ": input " + Arrays.toString(x.shape()) + " must be [N, C, H, W]"
                    + (x.dim() == 3 ? "; add the batch dimension with unsqueeze(0)" : ""));
        }
        if (x.size(2) + 2 * padding < kernel || x.size(3) + 2 * padding < kernel) {
            throw new IllegalArgumentException(layer + ": input " + Arrays.toString(x.shape()) + " padded by " + padding
                    + " is smaller than the " + kernel + "x" + kernel + " window");
        }
    }
}
