package io.jgrad.spark;

import java.util.List;
import java.util.function.IntFunction;

/**
 * {@code --class-weights balanced|W0,W1,...}, read as {@code jgrad train} reads it, by jgrad-core's rule
 * ({@link io.jgrad.nn.ClassWeights}) and in its words after the flag: "balanced" gives class c the weight n / (K * n_c)
 * for the n training samples, K classes and n_c samples of class c (scikit-learn's), else one finite number >= 0 per
 * class, not all 0.
 */
final class ClassWeights {
    private ClassWeights() {}

    /**
     * Refuses, before the data is read, a {@code spec} that no class count makes valid: neither "balanced" nor a list
     * of numbers >= 0 with one above 0. The count is checked by {@link #of}, once the classes are known (jgrad train,
     * which reads the data first, names a wrong count before a wrong weight).
     */
    static void check(String spec) {
        if (!io.jgrad.nn.ClassWeights.isBalanced(spec)) {
            refusing(spec, () -> io.jgrad.nn.ClassWeights.checkValues(io.jgrad.nn.ClassWeights.parse(spec)));
        }
    }

    /**
     * The weights of {@code spec} for data of {@code numClasses} classes, named by {@code classNames} (empty for
     * indices), whose errors name them since names are numbered in sorted order, not in the order they appear in.
     * {@code counts} gives the training samples of each of the {@code numClasses} classes (a Spark job: asked for by
     * "balanced" only).
     */
    static double[] of(String spec, int numClasses, IntFunction<long[]> counts, List<String> classNames) {
        if (io.jgrad.nn.ClassWeights.isBalanced(spec)) {
            long[] count = counts.apply(numClasses); // outside refusing: the job's own errors are about the data
            return refusing("balanced", () -> io.jgrad.nn.ClassWeights.balanced(count, classNames));
        }
        return refusing(spec, () -> io.jgrad.nn.ClassWeights.check(io.jgrad.nn.ClassWeights.parse(spec), numClasses, classNames));
    }

    /** {@code weights}' result, or its problem after the flag and {@code spec}, as jgrad train words it. */
    private static double[] refusing(String spec, java.util.function.Supplier<double[]> weights) {
        try {
            return weights.get();
        } catch (IllegalArgumentException e) {
            throw new UserMistake("--class-weights " + spec + ": " + e.getMessage(), e);
        }
    }
}
