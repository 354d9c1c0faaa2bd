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
            throw new UserError("--loss bce needs probabilities, but --output-activation " + given
                    + " does not give values in [0, 1]; use --output-activation sigmoid, or --loss bce-logits on raw scores");
        }
        return given;
    }
}
