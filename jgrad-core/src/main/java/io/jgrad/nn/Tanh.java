package io.jgrad.nn;

import io.jgrad.tensor.Tensor;

/** Hyperbolic tangent, element-wise; derivative 1 - tanh^2 x. */
public class Tanh extends Module {
    @Override
    public Tensor forward(Tensor x) {
        requireInput(x);
        return x.tanh();
    }
}
