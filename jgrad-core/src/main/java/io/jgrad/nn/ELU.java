package io.jgrad.nn;

import io.jgrad.tensor.Tensor;

/** Exponential linear unit, element-wise: x for x &gt; 0, else alpha * (e^x - 1) (default alpha 1.0). */
public class ELU extends Module {
    private final double alpha;

    /** With alpha 1.0. */
    public ELU() {
        this(1.0);
    }

    /** With the given alpha (the negative saturation value is -alpha). */
    public ELU(double alpha) {
        this.alpha = alpha;
    }

    @Override
    public Tensor forward(Tensor x) {
        requireInput(x);
        return x.elu(alpha);
    }

    @Override
    protected String extraRepr() {
        return "alpha=" + pythonRepr(alpha);
    }
}
