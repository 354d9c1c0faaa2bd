package io.jgrad.train;

import io.jgrad.nn.spec.WeightInit;
import io.jgrad.optim.Optimizers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Checks of {@code jgrad train}'s flag values that need no data, shared by jgrad-cli and by jgrad-spark's
 * {@code jgrad train --spark}, so that both refuse the same values in the same words (each had its own copy, and the
 * copies drifted apart). Each throws IllegalArgumentException whose message names the flag and what was expected; the
 * front ends print it as the user's mistake (jgrad-cli's UserError, jgrad-spark's UserMistake), in the order of their
 * own checks.
 */
public final class TrainFlags {
    private TrainFlags() {}

    /** The most --threads taken: far above any core count, far below where thread creation exhausts memory. */
    public static final int MAX_THREADS = 1024;

    /**
     * @return value
     * @throws IllegalArgumentException unless value is at least 1
     */
    public static int positive(String flag, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(flag + " must be a positive integer, got " + value);
        }
        return value;
    }

    /**
     * @return value
     * @throws IllegalArgumentException unless value is finite and above 0 (NaN too)
     */
    public static double positive(String flag, double value) {
        if (!(value > 0) || !Double.isFinite(value)) {
            throw new IllegalArgumentException(flag + " must be a positive number, got " + value);
        }
        return value;
    }

    /**
     * @return value
     * @throws IllegalArgumentException unless value is at least 0
     */
    public static int nonNegative(String flag, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(flag + " must be an integer >= 0, got " + value);
        }
        return value;
    }

    /**
     * @return value
     * @throws IllegalArgumentException unless value is finite and at least 0 (NaN too)
     */
    public static double nonNegative(String flag, double value) {
        if (!(value >= 0) || !Double.isFinite(value)) {
            throw new IllegalArgumentException(flag + " must be a number >= 0, got " + value);
        }
        return value;
    }

    /**
     * The hidden layer sizes of {@code --layers} ("256,128", sizes trimmed): an empty value (also blanks) is no hidden
     * layer, and an empty size among others ("256,,128", "256,", commas alone: ",,") is refused, a typo whose layer
     * would otherwise be left out silently.
     *
     * @throws IllegalArgumentException for an empty size, a size that is not an integer, or one below 1
     */
    public static int[] hiddenSizes(String layers) {
        String[] parts = layers.split(",", -1); // -1: a trailing empty size ("8,") is kept, and refused
        if (parts.length == 1 && parts[0].isBlank()) {
            return new int[0];
        }
        int[] sizes = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            String part = parts[i].trim();
            if (part.isEmpty()) {
                throw new IllegalArgumentException("--layers: \"" + layers + "\" has an empty size; expected positive"
                        + " integers like 256,128, or '' for no hidden layer");
            }
            try {
                sizes[i] = Integer.parseInt(part);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--layers: \"" + part + "\" is not a layer size; expected positive integers"
                        + " like 256,128");
            }
            if (sizes[i] < 1) {
                throw new IllegalArgumentException("--layers: sizes must be positive, got " + sizes[i]);
            }
        }
        return sizes;
    }

    /**
     * Refuses a blank {@code path}, which Java reads as the current directory; null (the flag not given) passes.
     *
     * @throws IllegalArgumentException if path is blank
     */
    public static void notEmpty(String flag, String path) {
        if (path != null && path.isBlank()) {
            throw new IllegalArgumentException(flag + ": the path is empty; expected a file or directory name");
        }
    }

    /**
     * Refuses an --init that is no regular file, before the data is read; null (not given) passes.
     *
     * @throws IllegalArgumentException if init is a directory or not there
     */
    public static void checkInit(Path init) {
        if (init != null && !Files.isRegularFile(init)) {
            throw new IllegalArgumentException("--init " + init + (Files.isDirectory(init)
                    ? ": is a directory; expected a .safetensors file of weights" : ": no such file"));
        }
    }

    /**
     * The scheme of {@code --weight-init given} ({@link WeightInit#parse}; null, the flag not given: PyTorch's default),
     * refused beside {@code --init init} (null: not given), whose file gives every weight itself.
     *
     * @throws IllegalArgumentException naming --weight-init for a value it does not take, or both flags given
     */
    public static WeightInit weightInit(String given, Path init) {
        if (given == null) {
            return WeightInit.DEFAULT;
        }
        WeightInit scheme = WeightInit.parse(given);
        if (init != null) {
            throw new IllegalArgumentException("--weight-init " + given + " and --init " + init + " both give the initial"
                    + " weights; use one of them (--init loads every weight from the file, so nothing would be left to draw)");
        }
        return scheme;
    }

    /**
     * @return valSplit, the fraction of the training data --val-split holds out
     * @throws IllegalArgumentException unless valSplit is in [0, 1) (NaN too)
     */
    public static double valSplit(double valSplit) {
        if (!(valSplit >= 0 && valSplit < 1)) {
            throw new IllegalArgumentException("--val-split must be in [0, 1), got " + valSplit);
        }
        return valSplit;
    }

    /**
     * Refuses --val-split (but 0) beside --val-data ({@code valData}: given): both give validation data.
     *
     * @throws IllegalArgumentException if both are given
     */
    public static void checkOneValidation(double valSplit, boolean valData) {
        if (valData && valSplit != 0) {
            throw new IllegalArgumentException("--val-split and --val-data both give validation data; use one of them");
        }
    }

    /**
     * Refuses --restore-best without early stopping: {@code patience} null (--patience not given) or 0.
     *
     * @throws IllegalArgumentException if restoreBest is set and patience is null or 0
     */
    public static void checkRestoreBest(boolean restoreBest, Integer patience) {
        if (restoreBest && (patience == null || patience == 0)) {
            throw new IllegalArgumentException("--restore-best restores the best epoch found by early stopping, so it needs"
                    + " --patience (e.g. --patience 3)" + (patience == null ? "" : ", not --patience 0"));
        }
    }

    /**
     * Checks a --target-loss given on the command line: a mean training loss, which every loss jgrad trains keeps at
     * 0 or above, so a negative target would never be reached and the run would go on to --epochs.
     *
     * @return target
     * @throws IllegalArgumentException unless target is finite and at least 0
     */
    public static double targetLoss(double target) {
        if (!Double.isFinite(target)) {
            throw new IllegalArgumentException("--target-loss must be a finite number (a mean training loss, e.g. 0.001), got "
                    + target);
        }
        if (target < 0) {
            throw new IllegalArgumentException("--target-loss must be a number >= 0 (a mean training loss, e.g. 0.001), got "
                    + target + "; no loss is negative, so the target would never be reached");
        }
        return target;
    }

    /**
     * Refuses --layers, --activation and --output-activation ({@code given}: any of them is) for a {@code model} other
     * than mlp, which has its own layers.
     *
     * @throws IllegalArgumentException if given and model is not "mlp"
     */
    public static void checkMlpFlags(String model, boolean given) {
        if (given && !model.equals("mlp")) {
            throw new IllegalArgumentException("--layers, --activation and --output-activation describe --model mlp; --model "
                    + model + " has its own layers, so leave them out");
        }
    }

    /**
     * The optimizer {@code --optimizer given} names, in lower case ("Adam" is adam; config.json records the lower-case
     * name): case is ignored, as both front ends have always read it; blanks are not.
     *
     * @return the name in lower case, one of {@link Optimizers#NAMES}
     * @throws IllegalArgumentException naming the value given and the choices, for any other name
     */
    public static String optimizer(String given) {
        String name = given.toLowerCase(Locale.ROOT);
        if (!Optimizers.known(name)) {
            throw new IllegalArgumentException("--optimizer " + given + ": unknown optimizer '" + given + "'; expected "
                    + Optimizers.NAMES_IN_WORDS);
        }
        return name;
    }

    /**
     * The note for a network trained with {@code loss} whose last layer is {@code outputActivation} (the value of
     * --output-activation, or a network's last activation: case and blanks around it ignored, as
     * {@link io.jgrad.nn.Activations#output} parses the flag), or null when there is nothing to say: cross-entropy
     * applies the softmax itself, to raw scores, so a network that already ends with one has it applied twice. It
     * trains (PyTorch does the same), and the most likely class is the same, but the probabilities the loss sees cannot
     * come near 0 or 1 (over 10 classes, a softmax of probabilities gives at most e/(e+9) = 0.23), so learning is
     * slower and the loss higher.
     */
    public static String softmaxTwice(String loss, String outputActivation) {
        if (!loss.equals("cross-entropy") || !outputActivation.trim().equalsIgnoreCase("softmax")) {
            return null;
        }
        return "--loss cross-entropy applies the softmax itself, to raw scores, and the network already ends with one, so"
                + " it is applied twice: learning is slower and the loss higher than they should be; leave out"
                + " --output-activation softmax (or the model file's last softmax layer)";
    }
}
