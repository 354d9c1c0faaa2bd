package io.jgrad.optim;

import io.jgrad.tensor.PythonRepr;
import java.util.Map;

/**
 * Cosine annealing without restarts (Loshchilov and Hutter, "SGDR: Stochastic Gradient Descent with Warm
 * Restarts", ICLR 2017): lr_e = etaMin + (lr_0 - etaMin) * (1 + cos(pi * e / tMax)) / 2, which reaches etaMin at
 * e = tMax and, past it, rises again with period 2 tMax.
 *
 * <p>Computed with PyTorch 1.13's recursive {@code get_lr} (each rate from the previous one), so that the
 * sequence equals PyTorch's to rounding and follows manual changes of the optimizer's rate as PyTorch does.
 */
public final class CosineAnnealingLR extends EpochScheduler {
    private final int tMax;
    private final double etaMin;

    /** Anneals to 0 over {@code tMax} epochs. */
    public CosineAnnealingLR(Optimizer optimizer, int tMax) {
        this(optimizer, tMax, 0);
    }

    /** Anneals from the optimizer's current rate to {@code etaMin} over {@code tMax} epochs. */
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin) {
        super(optimizer);
        if (tMax < 1) {
            throw new IllegalArgumentException("CosineAnnealingLR: tMax = " + tMax + " is invalid; it must be >= 1");
        }
        Optimizer.require(etaMin >= 0 && Double.isFinite(etaMin), "CosineAnnealingLR", "etaMin", etaMin, "finite and >= 0");
        this.tMax = tMax;
        this.etaMin = etaMin;
    }

    @Override
    double nextLr(double currentLr) {
        // StrictMath: the same cosine on every JVM, so resumed runs stay bitwise reproducible.
        if (Math.floorMod(lastEpoch - 1 - tMax, 2 * tMax) == 0) {
            return currentLr + (baseLr - etaMin) * (1 - StrictMath.cos(Math.PI / tMax)) / 2;
        }
        return (1 + StrictMath.cos(Math.PI * lastEpoch / tMax)) / (1 + StrictMath.cos(Math.PI * (lastEpoch - 1) / tMax))
                * (currentLr - etaMin) + etaMin;
    }

    @Override
    Map<String, Double> options() {
        return Options.of("T_max", tMax, "eta_min", etaMin);
    }

    /** The class and its settings, by PyTorch's argument names, as a module prints, e.g. {@code StepLR(step_size=30, gamma=0.1)}. */
    @Override
    public String toString() {
        return "CosineAnnealingLR(T_max=" + tMax + ", eta_min=" + PythonRepr.of(etaMin) + ")";
    }
}
