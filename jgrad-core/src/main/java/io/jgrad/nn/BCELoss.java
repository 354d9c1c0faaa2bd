package io.jgrad.nn;

import io.jgrad.tensor.DType;
import io.jgrad.tensor.Tensor;

/**
 * Binary cross-entropy on probabilities p in [0, 1]: l_i = -(t_i log p_i + (1 - t_i) log(1 - p_i)), averaged (or
 * summed). As in PyTorch each log is clamped at -100, so p = 0 or 1 gives a finite loss, and the gradient is
 * PyTorch's dl_i/dp_i = (p_i - t_i) / max(p_i (1 - p_i), 1e-12): the derivative of the unclamped loss, kept finite.
 * (The derivative of the clamped loss would be 0, or point away from the target, wherever p is 0 or 1.) A target
 * that requires grad (soft targets, distillation) gets dl_i/dt_i = max(log(1 - p_i), -100) - max(log p_i, -100).
 * Both gradients are constants of the graph, so second derivatives through this loss are not available.
 * Prediction and target must have the same shape and the same dtype (as PyTorch requires), and every prediction must lie in [0, 1], as PyTorch requires (a
 * NaN passes on to a NaN loss, which {@link io.jgrad.train.Trainer} reports as a diverged training). Prefer
 * {@link BCEWithLogitsLoss} on raw scores: it is more stable than sigmoid + BCE.
 */
public class BCELoss implements Loss {
    private static final double LOG_FLOOR = -100;
    /** PyTorch's floor of p (1 - p) in the gradient. */
    private static final double SLOPE_FLOOR = 1e-12;

    private final Reduction reduction;

    /** With {@link Reduction#MEAN}. */
    public BCELoss() {
        this(Reduction.MEAN);
    }

    /**
     * With {@code reduction}: MEAN averages the per-element losses, SUM adds them, NONE returns them (the
     * prediction's shape).
     */
    public BCELoss(Reduction reduction) {
        this.reduction = Reduction.nonNull("BCELoss", reduction);
    }

    @Override
    public Reduction reduction() {
        return reduction;
    }

    @Override
    public Tensor forward(Tensor prediction, Tensor target) {
        Targets.requireSameShape("BCELoss", prediction, target);
        if (prediction.dtype() != target.dtype()) {
            // converting the target to the prediction's dtype silently dropped float64 precision
            throw new IllegalArgumentException("BCELoss: the prediction is " + prediction.dtype() + " but the target "
                    + target.dtype() + "; convert the target with target.to(DType." + prediction.dtype() + ")"
                    + " (PyTorch's binary_cross_entropy refuses mixed dtypes too)");
        }
        Tensor p = prediction;
        Tensor t = target;
        Tensor losses, slope, targetSlope;
        try (var scope = Tensor.noGrad()) {
            Tensor oneMinusP = p.neg().add(1.0);
            Tensor logP = clampedLog(p), log1mP = clampedLog(oneMinusP);
            losses = t.mul(logP).add(t.neg().add(1.0).mul(log1mP)).neg();
            slope = p.sub(t).div(p.mul(oneMinusP).clamp(SLOPE_FLOOR, Double.POSITIVE_INFINITY));
            targetSlope = target.requiresGrad() ? log1mP.sub(logP) : null;
        }
        // p - p.detach() is 0 in value and has derivative 1 with respect to p: the sum has the loss's value and
        // the gradient slope
        Tensor result = losses.add(p.sub(p.detach()).mul(slope));
        if (targetSlope != null) {
            result = result.add(t.sub(t.detach()).mul(targetSlope));
        }
        Tensor out = reduction.apply(result);
        // a prediction outside [0, 1] makes log p or log(1 - p) NaN, and with it the loss: only then (or when the
        // losses are not reduced) look for one, rather than take the prediction's min and max at every step
        if (reduction == Reduction.NONE || Double.isNaN(out.item())) {
            requireProbabilities(prediction);
        }
        return out;
    }

    /**
     * Rejects a prediction below 0 or above 1: the log of a raw score is NaN or a wrong finite number, and a NaN
     * loss would be blamed on the learning rate. NaN itself passes (min and max propagate it, and NaN compares false).
     */
    private static void requireProbabilities(Tensor p) {
        if (p.numel() == 0) {
            return;
        }
        double lo, hi;
        try (var scope = Tensor.noGrad()) {
            lo = p.min().item();
            hi = p.max().item();
        }
        if (lo < 0 || hi > 1) {
            double bad = lo < 0 ? lo : hi;
            throw new IllegalArgumentException("BCELoss: the prediction holds " + (p.dtype() == DType.FLOAT32
                    ? Float.toString((float) bad) : Double.toString(bad)) + ", but BCELoss takes probabilities in [0, 1];"
                    + " end the network with new Sigmoid(), or use BCEWithLogitsLoss on raw scores");
        }
    }

    /** max(log p, -100), with log 0 = -infinity clamped to -100 as well. */
    private static Tensor clampedLog(Tensor p) {
        return p.log().clamp(LOG_FLOOR, Double.POSITIVE_INFINITY);
    }
}
