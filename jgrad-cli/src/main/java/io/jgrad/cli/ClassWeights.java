package io.jgrad.cli;

import java.util.List;
import java.util.function.Function;

/**
 * The one rule for cross-entropy's class weights, which {@code --class-weights} and config.json's
 * {@code training.class_weights} both follow and state in the same words: for the loss cross-entropy only, one finite
 * weight >= 0 per class, not all 0. Each source says where the mistake is (the flag and its value, or the file and
 * field) through its {@code refuse}, which turns the problem into its exception (exit 2).
 */
final class ClassWeights {
    private ClassWeights() {}

    /** Refuses class weights for a loss other than cross-entropy. */
    static void checkLoss(String loss, Function<String, RuntimeException> refuse) {
        if (!loss.equals("cross-entropy")) {
            throw refuse.apply("weighs the classes of the loss cross-entropy, not of " + loss + "; leave the weights out,"
                    + " or use cross-entropy");
        }
    }

    /**
     * The weights {@code values} (in class order; each a number, or what the source held instead, a string that is
     * not one) for {@code numClasses} classes, checked by the rule. {@code classNames}: of classes 0, 1, ... (empty for
     * indices), which a wrong count names, since a CSV file's names are numbered in sorted order.
     */
    static double[] check(List<?> values, String loss, int numClasses, List<String> classNames,
                          Function<String, RuntimeException> refuse) {
        checkLoss(loss, refuse);
        if (values.size() != numClasses) {
            throw refuse.apply(values.size() + " weight" + (values.size() == 1 ? "" : "s") + " for the " + numClasses
                    + " classes; expected one per class" + (classNames.isEmpty() ? ""
                    : ", in the order " + TrainCommand.namesShown(classNames)));
        }
        double[] w = new double[numClasses];
        for (int c = 0; c < numClasses; c++) {
            if (!(values.get(c) instanceof Number v) || !(v.doubleValue() >= 0) || !Double.isFinite(v.doubleValue())) {
                throw refuse.apply("weight " + c + " is " + ConfigFields.describe(values.get(c))
                        + "; expected a finite number >= 0");
            }
            w[c] = v.doubleValue();
        }
        if (java.util.Arrays.stream(w).allMatch(v -> v == 0)) {
            throw refuse.apply("every weight is 0, so no sample would count; expected one above 0");
        }
        return w;
    }
}
