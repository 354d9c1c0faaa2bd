package io.jgrad.optim;

import io.jgrad.tensor.Tensor;
import java.util.List;
import java.util.Map;

/**
 * The optimizers by name, as {@code jgrad train --optimizer} and Spark training choose them (Keras's
 * {@code optimizer="adam"}): sgd, adam, adamw, rmsprop and adagrad with PyTorch 1.13's defaults for what the name
 * leaves open (Adam's betas 0.9 and 0.999 and eps 1e-8, RMSprop's alpha 0.99 and eps 1e-8, Adagrad's eps 1e-10),
 * and jgrad's default learning rates and weight decay. One table, so that one machine and Spark build the same
 * optimizer from the same flags.
 */
public final class Optimizers {
    private Optimizers() {}

    /** The names {@link #create} takes. */
    public static final List<String> NAMES = List.of("sgd", "adam", "adamw", "rmsprop", "adagrad");
    /** The names of {@link #NAMES} whose optimizer takes a momentum (see {@link #takesMomentum}). */
    public static final List<String> WITH_MOMENTUM = List.of("sgd", "rmsprop");
    /** {@link #NAMES} as messages list them: "sgd, adam, adamw, rmsprop or adagrad". */
    public static final String NAMES_IN_WORDS = inWords(NAMES, "or");
    /** {@link #WITH_MOMENTUM} as messages list them: "sgd and rmsprop". */
    public static final String WITH_MOMENTUM_IN_WORDS = inWords(WITH_MOMENTUM, "and");

    /** "a, b or c" for {@code names} a, b, c and {@code conjunction} "or". */
    private static String inWords(List<String> names, String conjunction) {
        int last = names.size() - 1;
        return last == 0 ? names.get(0) : String.join(", ", names.subList(0, last)) + " " + conjunction + " " + names.get(last);
    }

    /** Whether {@code name} is one of {@link #NAMES}; false for null. */
    public static boolean known(String name) {
        return name != null && NAMES.contains(name);
    }

    /**
     * The default learning rate: 0.05 for sgd, 0.01 for adagrad, 0.001 for the others. Throws
     * IllegalArgumentException for a name not in {@link #NAMES}.
     */
    public static double defaultLr(String name) {
        return switch (checked("defaultLr", name)) {
            case "sgd" -> 0.05;
            case "adagrad" -> 0.01;
            default -> 0.001;
        };
    }

    /**
     * The default weight decay: 0.01 for adamw (as PyTorch's AdamW), 0 for the others. Throws
     * IllegalArgumentException for a name not in {@link #NAMES}.
     */
    public static double defaultWeightDecay(String name) {
        return checked("defaultWeightDecay", name).equals("adamw") ? 0.01 : 0.0;
    }

    /**
     * Whether the optimizer takes a momentum (sgd and rmsprop); the others have none to set. Throws
     * IllegalArgumentException for a name not in {@link #NAMES}.
     */
    public static boolean takesMomentum(String name) {
        return WITH_MOMENTUM.contains(checked("takesMomentum", name));
    }

    /**
     * The refusal of {@code --momentum momentum} for optimizer {@code name}, or null where it takes one (or
     * {@code momentum} is 0): what jgrad train and Spark training both say. Throws IllegalArgumentException for a name
     * not in {@link #NAMES}.
     */
    public static String momentumRefusal(String name, double momentum) {
        if (momentum == 0 || takesMomentum(name)) {
            return null;
        }
        return "--momentum " + momentum + ": --optimizer " + name + " has no momentum (only " + WITH_MOMENTUM_IN_WORDS
                + " take it" + (name.startsWith("adam") ? "; Adam's first-moment decay, beta1, is fixed at 0.9)" : ")");
    }

    /**
     * The optimizer {@code name} over {@code params} (not modified until its first step). {@code momentum} applies to
     * sgd and rmsprop (see {@link #takesMomentum}), {@code weightDecay} to all (L2 added to the gradient; adamw's is
     * decoupled). Throws IllegalArgumentException for an unknown or null name or a setting the optimizer refuses.
     */
    public static Optimizer create(String name, Map<String, Tensor> params, double lr, double momentum, double weightDecay) {
        return switch (checked("create", name)) {
            case "sgd" -> new SGD(params, lr, momentum, 0, weightDecay, false);
            case "adam" -> new Adam(params, lr, 0.9, 0.999, 1e-8, weightDecay, false);
            case "adamw" -> new AdamW(params, lr, 0.9, 0.999, 1e-8, weightDecay, false);
            case "rmsprop" -> new RMSprop(params, lr, 0.99, 1e-8, weightDecay, momentum, false);
            case "adagrad" -> new Adagrad(params, lr, 0, weightDecay, 0, 1e-10);
            default -> throw new AssertionError(name); // checked refuses the others
        };
    }

    /**
     * {@code name} if it is one of {@link #NAMES}. An unknown name is refused here, not given the others' defaults:
     * a caller that looked up the defaults before checking the name would otherwise build a run from a typo's
     * settings, or say nothing of it.
     */
    private static String checked(String method, String name) {
        if (name == null) {
            throw new IllegalArgumentException("Optimizers." + method + ": name is null; expected " + String.join(", ", NAMES));
        }
        if (!NAMES.contains(name)) {
            throw new IllegalArgumentException("unknown optimizer '" + name + "'; expected " + String.join(", ", NAMES));
        }
        return name;
    }
}
