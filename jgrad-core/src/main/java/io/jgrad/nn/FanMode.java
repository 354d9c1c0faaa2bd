package io.jgrad.nn;

/**
 * Which fan the Kaiming initialisers scale by: {@link #FAN_IN} preserves the variance of activations in the
 * forward pass, {@link #FAN_OUT} that of gradients in the backward pass (PyTorch's {@code mode}).
 */
public enum FanMode {
    FAN_IN,
    FAN_OUT
}
