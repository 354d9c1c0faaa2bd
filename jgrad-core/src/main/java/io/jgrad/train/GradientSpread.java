package io.jgrad.train;

import java.util.List;

/**
 * How far apart the gradient norms of the first and the last weight tensor were in an epoch: the measure of
 * vanishing (or exploding) gradients that the report's note and the console's note (of {@code jgrad train} and
 * {@code jgrad train --spark}) both state.
 *
 * @param epoch the epoch the norms are from
 * @param first the first weight tensor's name (e.g. "0.weight") and {@code firstNorm} its gradient norm
 * @param last the last weight tensor's name and {@code lastNorm} its gradient norm
 * @param layers how many weight tensors there are
 */
public record GradientSpread(int epoch, String first, double firstNorm, String last, double lastNorm, int layers) {
    /** From this many decades on (a factor of 100) the first layer's gradients count as vanishing. */
    public static final double VANISHING_DECADES = 2;

    /** log10(lastNorm / firstNorm): how many decades smaller the first layer's gradient is (negative: larger). */
    public double decades() {
        return Math.log10(lastNorm / firstNorm);
    }

    /** Whether the first layer's gradient norm is {@link #VANISHING_DECADES} or more decades below the last's. */
    public boolean vanishing() {
        return decades() >= VANISHING_DECADES;
    }

    /**
     * The console's note when the gradients are {@link #vanishing}, null otherwise: a student watching the console
     * should not have to open the report's gradient chart to learn why the early layers do not learn. {@code report}:
     * the run draws report.html, which the note then points to.
     */
    public String vanishingNote(boolean report) {
        return !vanishing() ? null : String.format("vanishing gradients: at epoch %d the first layer's gradient norm (%s,"
                + " %.3g) was %.1f decades below the last layer's (%s, %.3g), so the early layers barely learn; ReLU, He"
                + " initialization or fewer layers help%s", epoch, first, firstNorm, decades(), last, lastNorm,
                report ? " (report.html charts the norms)" : "");
    }

    /**
     * The spread in the last of {@code epochs}, over {@code weights} (the weight tensors, the parameters of 2 or more
     * dimensions, first layer to last); null where there are fewer than two or a norm is missing or zero.
     */
    public static GradientSpread of(List<EpochMetrics> epochs, List<String> weights) {
        if (epochs.isEmpty() || weights.size() < 2 || epochs.getLast().gradNorms() == null) {
            return null;
        }
        EpochMetrics last = epochs.getLast();
        Double a = last.gradNorms().get(weights.getFirst()), b = last.gradNorms().get(weights.getLast());
        return a == null || b == null || !(a > 0) || !(b > 0) ? null
                : new GradientSpread(last.epoch(), weights.getFirst(), a, weights.getLast(), b, weights.size());
    }
}
