package io.jgrad.cli;

import java.util.List;
import java.util.function.Function;

/**
 * Cross-entropy's class weights as {@code --class-weights} and config.json's {@code training.class_weights} both take
 * them: jgrad-core's rule ({@link io.jgrad.nn.ClassWeights}: one finite weight >= 0 per class, not all 0), which
 * jgrad-spark follows too, for the loss cross-entropy only. Each source says where the mistake is (the flag and its
 * value, or the file and field) through its {@code refuse}, which turns the problem into its exception (exit 2).
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
     * The weights {@code values} (in class order; each a number, or what the source held instead) for {@code
     * numClasses} classes, checked by jgrad-core's rule ({@link io.jgrad.nn.ClassWeights#check}), for the loss
     * {@code loss}. {@code classNames}: of classes 0, 1, ... (empty for indices), which a wrong count names.
     */
    static double[] check(List<?> values, String loss, int numClasses, List<String> classNames,
                          Function<String, RuntimeException> refuse) {
        checkLoss(loss, refuse);
        try {
            return io.jgrad.nn.ClassWeights.check(values, numClasses, classNames);
        } catch (IllegalArgumentException e) {
            throw refuse.apply(e.getMessage());
        }
    }
}
