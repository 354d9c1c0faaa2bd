package io.jgrad.train;

import io.jgrad.tensor.DType;
import io.jgrad.tensor.Tensor;

/** L2 norms of parameters and gradients, accumulated in double without copying the tensor. */
final class Norms {
    private Norms() {}

    /** sqrt(sum x_i^2); 0 for a null tensor (a parameter that received no gradient). */
    static double l2(Tensor t) {
        if (t == null) {
            return 0;
        }
        double s = 0;
        if (t.dtype() == DType.FLOAT32 && t.isContiguous()) {
            float[] a = t.floatStorage();
            for (float v : a) {
                s += (double) v * v;
            }
        } else {
            for (double v : t.toDoubleArray()) {
                s += v * v;
            }
        }
        return Math.sqrt(s);
    }
}
