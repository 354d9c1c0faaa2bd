package io.jgrad.spark;

import java.util.Arrays;
import java.util.List;
import java.util.function.IntFunction;

/**
 * {@code --class-weights balanced|W0,W1,...}, read as {@code jgrad train} reads it (jgrad-cli's Flags and ClassWeights,
 * which this module cannot depend on), in its words: "balanced" gives class c the weight n / (K * n_c) for the n
 * training samples, K classes and n_c samples of class c (scikit-learn's), else one finite number >= 0 per class, not
 * all 0.
 */
final class ClassWeights {
    private ClassWeights() {}

    /**
     * Refuses, before the data is read, a {@code spec} that no class count makes valid: neither "balanced" nor a list
     * of numbers >= 0 with one above 0. The count is checked by {@link #of}, once the classes are known (jgrad train,
     * which reads the data first, names a wrong count before a wrong weight).
     */
    static void check(String spec) {
        if (!isBalanced(spec)) {
            parse(spec, spec.split(",", -1));
        }
    }

    /**
     * The weights of {@code spec} for data of {@code numClasses} classes, named by {@code classNames} (empty for
     * indices), whose errors name them since names are numbered in sorted order, not in the order they appear in.
     * {@code counts} gives the training samples of each of the {@code numClasses} classes (a Spark job: asked for by
     * "balanced" only).
     */
    static double[] of(String spec, int numClasses, IntFunction<long[]> counts, List<String> classNames) {
        if (isBalanced(spec)) {
            long[] count = counts.apply(numClasses);
            long n = Arrays.stream(count).sum();
            double[] w = new double[numClasses];
            for (int c = 0; c < numClasses; c++) {
                if (count[c] == 0) {
                    throw new IllegalArgumentException("--class-weights balanced: class " + (classNames.isEmpty() ? c : c + " ('"
                            + classNames.get(c) + "')") + " has no training sample, so its weight n / (K * n_c) would be"
                            + " infinite; give one weight per class instead, e.g. " + "1,".repeat(numClasses - 1) + "1");
                }
                w[c] = (double) n / ((double) numClasses * count[c]);
            }
            return w;
        }
        String[] parts = spec.split(",", -1);
        if (parts.length != numClasses) {
            throw new IllegalArgumentException("--class-weights " + spec + ": " + parts.length + " weight"
                    + (parts.length == 1 ? "" : "s") + " for the " + numClasses + " classes; expected one per class"
                    + (classNames.isEmpty() ? "" : ", in the order " + SparkTrainMain.namesShown(classNames)));
        }
        return parse(spec, parts);
    }

    private static boolean isBalanced(String spec) {
        return spec.trim().equalsIgnoreCase("balanced");
    }

    private static double[] parse(String spec, String[] parts) {
        double[] w = new double[parts.length];
        for (int c = 0; c < parts.length; c++) {
            String part = parts[c].strip(), shown;
            try {
                w[c] = Double.parseDouble(part);
                shown = Double.toString(w[c]);
            } catch (NumberFormatException e) {
                w[c] = Double.NaN;
                shown = "the string \"" + (part.length() > 40 ? part.substring(0, 40) + "..." : part) + "\"";
            }
            if (!(w[c] >= 0) || !Double.isFinite(w[c])) {
                throw new IllegalArgumentException("--class-weights " + spec + ": weight " + c + " is " + shown
                        + "; expected a finite number >= 0");
            }
        }
        if (Arrays.stream(w).allMatch(v -> v == 0)) {
            throw new IllegalArgumentException("--class-weights " + spec + ": every weight is 0, so no sample would count;"
                    + " expected one above 0");
        }
        return w;
    }
}
