package io.jgrad.cli;

import io.jgrad.nn.Module;
import io.jgrad.train.EpochMetrics;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How far apart the gradient norms of the first and the last weight tensor were in an epoch: the measure of
 * vanishing (or exploding) gradients that the report's note and the console's warning both state.
 *
 * @param epoch the epoch the norms are from
 * @param first the first weight tensor's name (e.g. "0.weight") and {@code firstNorm} its gradient norm
 * @param last the last weight tensor's name and {@code lastNorm} its gradient norm
 * @param layers how many weight tensors there are
 */
record GradientSpread(int epoch, String first, double firstNorm, String last, double lastNorm, int layers) {
    /** From this many decades on (a factor of 100) the first layer's gradients count as vanishing. */
    static final double VANISHING_DECADES = 2;

    /** log10(lastNorm / firstNorm): how many decades smaller the first layer's gradient is (negative: larger). */
    double decades() {
        return Math.log10(lastNorm / firstNorm);
    }

    boolean vanishing() {
        return decades() >= VANISHING_DECADES;
    }

    /**
     * The spread in the last of {@code epochs}, over {@code weights} (the weight tensors in layer order, see
     * {@link ReportCharts#weightTensors}); null where there are fewer than two or a norm is missing or zero.
     */
    static GradientSpread of(List<EpochMetrics> epochs, List<String> weights) {
        if (epochs.isEmpty() || weights.size() < 2 || epochs.getLast().gradNorms() == null) {
            return null;
        }
        EpochMetrics last = epochs.getLast();
        Double a = last.gradNorms().get(weights.getFirst()), b = last.gradNorms().get(weights.getLast());
        return a == null || b == null || !(a > 0) || !(b > 0) ? null
                : new GradientSpread(last.epoch(), weights.getFirst(), a, weights.getLast(), b, weights.size());
    }

    /** As {@link #of(List, List)}, with the weight tensors of {@code model}. */
    static GradientSpread of(List<EpochMetrics> epochs, Module model) {
        return of(epochs, ReportCharts.weightTensors(epochs, ranks(model)));
    }

    /** Each parameter's number of dimensions, by name: what tells weight tensors (2 or more) from biases. */
    static Map<String, Integer> ranks(Module model) {
        Map<String, Integer> ranks = new LinkedHashMap<>();
        model.namedParameters().forEach((name, t) -> ranks.put(name, t.dim()));
        return ranks;
    }
}
