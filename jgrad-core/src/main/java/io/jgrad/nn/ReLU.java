package io.jgrad.nn;

import io.jgrad.tensor.Tensor;

/** Rectified linear unit, element-wise: max(x, 0); derivative 1 for x &gt; 0, else 0. */
public class ReLU extends Module {
    @Override
    public Tensor forward(Tensor x) {
        requireInput(x);
        return x.relu();
    }
}
