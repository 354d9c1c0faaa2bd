package io.jgrad.nn;

import io.jgrad.io.Json;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The rule for {@link CrossEntropyLoss}'s class weights as jgrad train and jgrad-spark read them from
 * {@code --class-weights balanced|W0,W1,...} or config.json: one finite weight >= 0 per class, not all 0; or
 * "balanced", scikit-learn's n / (K n_c) for n training samples, K classes and n_c samples of class c. Each method
 * throws an {@link IllegalArgumentException} whose message is the problem alone ("weight 1 is -1.0; expected a finite
 * number >= 0"), for the caller to put after the flag or the file and field it came from.
 */
public final class ClassWeights {
    private ClassWeights() {}

    /** Whether {@code spec} asks for balanced weights ("balanced", in any case, spaces around allowed). */
    public static boolean isBalanced(String spec) {
        return spec.trim().equalsIgnoreCase("balanced");
    }

    /**
     * {@code spec}'s comma-separated weights as a list to {@link #check}: each a Double, or the stripped text where it
     * is not a number (which check refuses, naming it).
     */
    public static List<Object> parse(String spec) {
        List<Object> values = new ArrayList<>();
        for (String part : spec.split(",", -1)) {
            try {
                values.add(Double.parseDouble(part.strip()));
            } catch (NumberFormatException e) {
                values.add(part.strip());
            }
        }
        return values;
    }

    /**
     * n / (K n_c) for each class c of the {@code counts} of training samples per class. {@code classNames}: of
     * classes 0, 1, ... (empty for indices), which the error names.
     *
     * @throws IllegalArgumentException if a class has no sample (its weight would be infinite)
     */
    public static double[] balanced(long[] counts, List<String> classNames) {
        int k = counts.length;
        long n = Arrays.stream(counts).sum();
        double[] w = new double[k];
        for (int c = 0; c < k; c++) {
            if (counts[c] == 0) {
                throw new IllegalArgumentException("class " + (classNames.isEmpty() ? c : c + " ('" + classNames.get(c) + "')")
                        + " has no training sample, so its weight n / (K * n_c) would be infinite; give one weight per class"
                        + " instead, e.g. " + "1,".repeat(k - 1) + "1");
            }
            w[c] = (double) n / ((double) k * counts[c]);
        }
        return w;
    }

    /**
     * The weights {@code values} (in class order; numbers, or what the source held instead) for {@code numClasses}
     * classes. {@code classNames}: of classes 0, 1, ... (empty for indices), which a wrong count names in order, since
     * a CSV file's names are numbered in sorted order.
     *
     * @throws IllegalArgumentException if the count is not numClasses, or as {@link #checkValues}
     */
    public static double[] check(List<?> values, int numClasses, List<String> classNames) {
        if (values.size() != numClasses) {
            throw new IllegalArgumentException(values.size() + " weight" + (values.size() == 1 ? "" : "s") + " for the "
                    + numClasses + " classes; expected one per class" + (classNames.isEmpty() ? ""
                    : ", in the order " + namesShown(classNames)));
        }
        return checkValues(values);
    }

    /**
     * The weights {@code values} checked before the number of classes is known: each a finite number >= 0, not all 0.
     *
     * @throws IllegalArgumentException naming the first weight that is not, or saying that all are 0
     */
    public static double[] checkValues(List<?> values) {
        double[] w = new double[values.size()];
        for (int c = 0; c < w.length; c++) {
            if (!(values.get(c) instanceof Number v) || !(v.doubleValue() >= 0) || !Double.isFinite(v.doubleValue())) {
                throw new IllegalArgumentException("weight " + c + " is " + Json.describe(values.get(c))
                        + "; expected a finite number >= 0");
            }
            w[c] = v.doubleValue();
        }
        if (Arrays.stream(w).allMatch(v -> v == 0)) {
            throw new IllegalArgumentException("every weight is 0, so no sample would count; expected one above 0");
        }
        return w;
    }

    /** Up to 10 names quoted and comma-separated, then "and N more", as jgrad train's notes list class names. */
    private static String namesShown(List<String> names) {
        String shown = names.stream().limit(10).map(n -> "'" + n + "'").collect(java.util.stream.Collectors.joining(", "));
        return names.size() > 10 ? shown + " and " + (names.size() - 10) + " more" : shown;
    }
}
