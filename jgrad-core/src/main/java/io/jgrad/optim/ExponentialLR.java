package io.jgrad.optim;

import io.jgrad.tensor.PythonRepr;
import java.util.Map;

/** Multiplies the learning rate by {@code gamma} every epoch: lr_e = lr_0 * gamma^e, as PyTorch 1.13's {@code ExponentialLR}. */
public final class ExponentialLR extends EpochScheduler {
    private final double gamma;

    /** Multiplies the rate by gamma every epoch. */
    public ExponentialLR(Optimizer optimizer, double gamma) {
        super(optimizer);
        Optimizer.require(gamma >= 0 && Double.isFinite(gamma), "ExponentialLR", "gamma", gamma, "finite and >= 0");
        this.gamma = gamma;
    }

    @Override
    double nextLr(double currentLr) {
        return currentLr * gamma;
    }

    @Override
    Map<String, Double> options() {
        return Options.of("gamma", gamma);
    }

    /** The class and its settings, by PyTorch's argument names, as a module prints, e.g. {@code StepLR(step_size=30, gamma=0.1)}. */
    @Override
    public String toString() {
        return "ExponentialLR(gamma=" + PythonRepr.of(gamma) + ")";
    }
}
