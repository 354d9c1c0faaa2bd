package io.jgrad.optim;

import io.jgrad.tensor.PythonRepr;
import java.util.Map;

/**
 * Multiplies the learning rate by {@code gamma} every {@code stepSize} epochs: lr_e = lr_0 * gamma^floor(e /
 * stepSize), computed recursively as PyTorch 1.13's {@code StepLR} (so it rounds the same way).
 */
public final class StepLR extends EpochScheduler {
    private final int stepSize;
    private final double gamma;

    /** Decays by 10x every {@code stepSize} epochs. */
    public StepLR(Optimizer optimizer, int stepSize) {
        this(optimizer, stepSize, 0.1);
    }

    /** Multiplies the rate by gamma every {@code stepSize} epochs. */
    public StepLR(Optimizer optimizer, int stepSize, double gamma) {
        super(optimizer);
        if (stepSize < 1) {
            throw new IllegalArgumentException("StepLR: stepSize = " + stepSize + " is invalid; it must be >= 1");
        }
        Optimizer.require(gamma >= 0 && Double.isFinite(gamma), "StepLR", "gamma", gamma, "finite and >= 0");
        this.stepSize = stepSize;
        this.gamma = gamma;
    }

    @Override
    double nextLr(double currentLr) {
        return lastEpoch % stepSize == 0 ? currentLr * gamma : currentLr;
    }

    @Override
    Map<String, Double> options() {
        return Options.of("step_size", stepSize, "gamma", gamma);
    }

    /** The class and its settings, by PyTorch's argument names, as a module prints, e.g. {@code StepLR(step_size=30, gamma=0.1)}. */
    @Override
    public String toString() {
        return "StepLR(step_size=" + stepSize + ", gamma=" + PythonRepr.of(gamma) + ")";
    }
}
