package io.jgrad.nn;

import io.jgrad.tensor.Tensor;

/** Logistic sigmoid, element-wise: 1 / (1 + e^-x); derivative s(x)(1 - s(x)). */
public class Sigmoid extends Module {
    @Override
    public Tensor forward(Tensor x) {
        requireInput(x);
        return x.sigmoid();
    }
}
