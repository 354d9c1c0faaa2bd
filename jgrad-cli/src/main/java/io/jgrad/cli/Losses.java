package io.jgrad.cli;

import io.jgrad.nn.BCELoss;
import io.jgrad.nn.BCEWithLogitsLoss;
import io.jgrad.nn.CrossEntropyLoss;
import io.jgrad.nn.HalfSquaredErrorLoss;
import io.jgrad.nn.Loss;
import io.jgrad.nn.MSELoss;
import io.jgrad.nn.Reduction;

/** The loss names the CLI accepts. */
final class Losses {
    private Losses() {}

    static final String NAMES = "cross-entropy, mse, half-sse, bce, bce-logits";

    /** The loss for a name, or null if unknown. */
    static Loss create(String name) {
        return switch (name) {
            case "cross-entropy" -> new CrossEntropyLoss();
            case "mse" -> new MSELoss(Reduction.MEAN);
            case "half-sse" -> new HalfSquaredErrorLoss();
            case "bce" -> new BCELoss(Reduction.MEAN);
            case "bce-logits" -> new BCEWithLogitsLoss(Reduction.MEAN);
            default -> null;
        };
    }

    /** The loss for --loss {@code name}; an unknown name is a UserError listing the known ones. */
    static Loss require(String name) {
        Loss loss = create(name);
        if (loss == null) {
            throw new UserError("--loss " + name + ": unknown loss; expected one of " + NAMES);
        }
        return loss;
    }

    /** The task a loss implies: how targets are read and accuracy counted. */
    static String task(String loss) {
        return switch (loss) {
            case "cross-entropy" -> "classification";
            case "bce", "bce-logits" -> "binary";
            default -> "regression";
        };
    }

    /**
     * Why an output activation other than the sigmoid gives bce no probability per output: a softmax's values lie in
     * [0, 1] but sum to 1 over the outputs (over bce's one output of two classes it is always 1, and learns nothing);
     * the others' values leave [0, 1].
     */
    static String notProbabilities(String activation) {
        return activation.trim().equalsIgnoreCase("softmax")
                ? "gives values that sum to 1 over the outputs (over one output, always 1), not a probability per output"
                : "does not give values in [0, 1]";
    }

    /**
     * The error for a network trained with bce-logits that ends with a sigmoid, or null for any other: bce-logits
     * applies the sigmoid itself, and the sigmoid of a sigmoid lies in (0.5, 0.73), so such a network gives every
     * sample a probability above 0.5 (a one-output network predicts class 1 for all of them, whatever it learned).
     */
    static String sigmoidTwice(String loss, String outputActivation) {
        if (!loss.equals("bce-logits") || !outputActivation.equals("sigmoid")) {
            return null;
        }
        return "--loss bce-logits applies the sigmoid itself, to raw scores, but the network already ends with one: the"
                + " sigmoid of its outputs lies in (0.5, 0.73), so every probability is above 0.5 and class 0 is never"
                + " predicted; use --loss bce with the sigmoid, or leave the sigmoid out";
    }

    /**
     * The output activation for --loss {@code loss} given --output-activation {@code given} (null when not given):
     * sigmoid by default for bce, which takes probabilities, and on raw scores computes the log of negative numbers
     * (clamped in training, so that it "converges" to a meaningless negative loss; NaN in a gradient check); any
     * other output activation with bce is a UserError. Other losses: {@code given}, or none.
     */
    static String outputActivation(String loss, String given) {
        if (!loss.equals("bce")) {
            return given == null ? "none" : given;
        }
        if (given == null) {
            return "sigmoid";
        }
        if (!given.trim().equalsIgnoreCase("sigmoid")) {
            throw new UserError("--loss bce needs probabilities, but --output-activation " + given + " "
                    + notProbabilities(given) + "; use --output-activation sigmoid, or --loss bce-logits on raw scores");
        }
        return given;
    }
}
