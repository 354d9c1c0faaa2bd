package io.jgrad.nn;

import io.jgrad.tensor.Tensor;

/** Gaussian error linear unit, element-wise: x * Phi(x) with the exact (erf) normal CDF, PyTorch's default. */
public class GELU extends Module {
    @Override
    public Tensor forward(Tensor x) {
        requireInput(x);
        return x.gelu();
    }

    /** PyTorch's repr: its default, the exact form, is spelt out as approximate='none'. */
    @Override
    protected String extraRepr() {
        return "approximate='none'";
    }
}
