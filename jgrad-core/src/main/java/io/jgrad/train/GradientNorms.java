package io.jgrad.train;

import io.jgrad.tensor.Tensor;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-layer gradient norms of an epoch, as {@link EpochMetrics#gradNorms} records them: for each parameter tensor,
 * the mean over the epoch's steps of ||g||_2 = sqrt(sum_i g_i^2) of its gradient, taken before any clipping (0 for a
 * parameter that received no gradient). {@link Trainer} keeps one per fit; SparkTrainer (jgrad-spark) one per epoch on
 * the driver, and with local SGD each partition one per round, whose sums the driver adds with {@link #add(double[],
 * int)}, so that both state the same quantity.
 */
public final class GradientNorms {
    private final String[] names;
    // arrays, so that a step adds its norms without boxing them
    private final double[] sums;
    private int steps;
    private double lastSumOfSquares; // of the last addStep's norms: the step's total norm, squared

    /** Norms of the parameters named {@code names}, in that order, with no step yet. */
    public GradientNorms(Collection<String> names) {
        this.names = names.toArray(new String[0]);
        this.sums = new double[this.names.length];
    }

    /**
     * Adds one step: the L2 norm of the gradient of each of {@code params} (in the names' order; one per name) to its
     * sum. Modified: this.
     *
     * @return the index of the first parameter whose gradient norm is not finite (NaN or infinite: training diverged),
     *     or -1; the step is added either way
     * @throws IllegalArgumentException if params does not hold one tensor per name
     */
    public int addStep(List<Tensor> params) {
        if (params.size() != names.length) {
            throw new IllegalArgumentException("GradientNorms.addStep: " + params.size() + " parameters, expected one per name "
                    + Arrays.toString(names));
        }
        int notFinite = -1;
        double squares = 0;
        for (int i = 0; i < names.length; i++) {
            double norm = Norms.l2(params.get(i).grad());
            if (!Double.isFinite(norm) && notFinite < 0) {
                notFinite = i;
            }
            sums[i] += norm;
            squares += norm * norm;
        }
        lastSumOfSquares = squares;
        steps++;
        return notFinite;
    }

    /**
     * Adds {@code steps} steps recorded elsewhere (a Spark partition's), whose norms summed to {@code sums} (in the
     * names' order, as {@link #sums()} lists them). Modified: this.
     *
     * @throws IllegalArgumentException if sums does not hold one number per name, or steps is negative
     */
    public void add(double[] sums, int steps) {
        if (sums.length != names.length || steps < 0) {
            throw new IllegalArgumentException("GradientNorms.add: " + sums.length + " sums over " + steps + " steps; expected"
                    + " one per name " + Arrays.toString(names) + " over steps >= 0");
        }
        for (int i = 0; i < names.length; i++) {
            this.sums[i] += sums[i];
        }
        this.steps += steps;
    }

    /**
     * Starts over from {@code sums} (by name; a name it lacks starts at 0) after {@code steps} steps: those of an epoch
     * that a mid-epoch checkpoint saved ({@link EpochProgress#gradNormSums()}), or none (an empty map and 0). Modified:
     * this.
     */
    public void restart(Map<String, Double> sums, int steps) {
        for (int i = 0; i < names.length; i++) {
            this.sums[i] = sums.getOrDefault(names[i], 0.0);
        }
        this.steps = steps;
    }

    /**
     * The total L2 norm of the gradients the last {@link #addStep} took, sqrt(sum of their norms squared): what
     * {@link io.jgrad.optim.GradientClipping#clipGradNorm} would compute for the same parameters, bit for bit, which
     * {@link io.jgrad.optim.GradientClipping#clipToNorm} takes instead of reading the gradients again. 0 before any step.
     */
    public double lastTotal() {
        return Math.sqrt(lastSumOfSquares);
    }

    /** The steps added since the last {@link #restart}. */
    public int steps() {
        return steps;
    }

    /** Each parameter's sum of norms over the steps, by name, in the order given. */
    public Map<String, Double> sums() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
            out.put(names[i], sums[i]);
        }
        return out;
    }

    /** Each parameter's mean norm over the steps (its sum over max(steps, 1)), by name: an epoch's gradNorms. */
    public Map<String, Double> means() {
        Map<String, Double> out = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
            out.put(names[i], sums[i] / Math.max(steps, 1));
        }
        return out;
    }

    /**
     * The line that {@code jgrad train --grad-norms} prints after each epoch, "  gradient norms: 0.weight 3.57e-09, ...,
     * 20.weight 0.231": the norm of each of {@code weights} in {@code norms} (an epoch's gradNorms), in that order, "n/a"
     * for one it lacks.
     */
    public static String line(Map<String, Double> norms, List<String> weights) {
        StringBuilder line = new StringBuilder("  gradient norms:");
        for (int i = 0; i < weights.size(); i++) {
            Double norm = norms.get(weights.get(i));
            line.append(i == 0 ? " " : ", ").append(weights.get(i)).append(' ')
                    .append(norm == null ? "n/a" : String.format("%.3g", norm));
        }
        return line.toString();
    }
}
