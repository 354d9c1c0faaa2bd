package io.jgrad.nn;

import io.jgrad.tensor.Tensor;

/** Returns its input unchanged: a placeholder where a layer is optional. */
public class Identity extends Module {
    @Override
    public Tensor forward(Tensor x) {
        requireInput(x);
        return x;
    }
}
