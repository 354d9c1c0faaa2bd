package io.jgrad.nn;

import io.jgrad.tensor.Tensor;

/** Leaky ReLU, element-wise: x for x &gt; 0, else alpha * x (PyTorch's {@code negative_slope}, default 0.01). */
public class LeakyReLU extends Module {
    private final double alpha;

    /** With negative slope 0.01. */
    public LeakyReLU() {
        this(0.01);
    }

    /** With the given negative slope alpha. */
    public LeakyReLU(double alpha) {
        this.alpha = alpha;
    }

    @Override
    public Tensor forward(Tensor x) {
        requireInput(x);
        return x.leakyRelu(alpha);
    }

    @Override
    protected String extraRepr() {
        return "negative_slope=" + pythonRepr(alpha);
    }
}
