package io.jgrad.cli;

import io.jgrad.data.Augmentation;
import java.util.List;

/** Checks of flag values that picocli's types cannot express; each failure names the flag. */
final class Flags {
    private Flags() {}

    static int positive(String flag, int v) {
        if (v < 1) {
            throw new UserError(flag + " must be a positive integer, got " + v);
        }
        return v;
    }

    static double positive(String flag, double v) {
        if (!(v > 0) || !Double.isFinite(v)) {
            throw new UserError(flag + " must be a positive number, got " + v);
        }
        return v;
    }

    static double nonNegative(String flag, double v) {
        if (!(v >= 0) || !Double.isFinite(v)) {
            throw new UserError(flag + " must be a number >= 0, got " + v);
        }
        return v;
    }

    static int nonNegative(String flag, int v) {
        if (v < 0) {
            throw new UserError(flag + " must be an integer >= 0, got " + v);
        }
        return v;
    }

    /** --normalize's mode: null when the flag is absent, else "all" (also the flag alone) or "columns". */
    static String normalizeMode(String value) {
        try {
            return io.jgrad.data.Standardization.mode(value); // jgrad-spark reads the flag by the same rule
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }

    /** --class-weights weighs cross-entropy's classes: refused with another loss, before any data is read. */
    static void checkClassWeightsLoss(String spec, String lossName) {
        if (spec != null) {
            ClassWeights.checkLoss(lossName, classWeightsError(spec));
        }
    }

    /** A mistake in --class-weights {@code spec}: the flag and its value, then the problem ({@link ClassWeights}'s). */
    private static java.util.function.Function<String, RuntimeException> classWeightsError(String spec) {
        return problem -> new UserError("--class-weights " + spec + ": " + problem);
    }

    /**
     * The weights of --class-weights {@code spec} for data of {@code numClasses} classes: "balanced" gives class c
     * n / (K * n_c) over the {@code train} samples (scikit-learn's), else one number per class, checked by {@link
     * ClassWeights#check}. {@code classNames}: of classes 0, 1, ... (empty for indices), which the errors name, since a
     * CSV file's names are numbered in sorted order, not the order they appear in.
     */
    static double[] classWeights(String spec, String lossName, io.jgrad.data.TensorDataset train, int numClasses,
                                 java.util.List<String> classNames) {
        checkClassWeightsLoss(spec, lossName);
        if (io.jgrad.nn.ClassWeights.isBalanced(spec)) {
            long[] count = new long[numClasses];
            for (float t : train.targets().toFloatArray()) {
                count[(int) t]++;
            }
            try {
                return io.jgrad.nn.ClassWeights.balanced(count, classNames);
            } catch (IllegalArgumentException e) {
                throw new UserError("--class-weights balanced: " + e.getMessage());
            }
        }
        List<Object> values = io.jgrad.nn.ClassWeights.parse(spec); // a word that is not a number is refused by the rule
        return ClassWeights.check(values, lossName, numClasses, classNames, classWeightsError(spec));
    }

    /** Class weights as a person reads them: 4 significant digits, comma-separated. */
    static String weightsShown(double[] w) {
        return java.util.Arrays.stream(w).mapToObj(v -> String.format(java.util.Locale.ROOT, "%.4g", v))
                .collect(java.util.stream.Collectors.joining(", "));
    }

    /** Rejects an empty path (which Java reads as the current directory); null (flag not given) passes. */
    static void notEmpty(String flag, java.nio.file.Path path) {
        if (path != null && path.toString().isBlank()) {
            throw new UserError(flag + ": the path is empty; expected a file or directory name");
        }
    }

    /** A write of a file that a flag named. */
    interface Write {
        void run() throws java.io.IOException;
    }

    /**
     * Runs {@code write}, which writes the file {@code path} that {@code flag} gave (predict --output, --graph): a file
     * that cannot be written, which {@link io.jgrad.io.AtomicFiles} names and gives the reason for, is a UserError
     * naming the flag and the path as the user gave it. The commands check the directory first, but root passes that
     * check in /proc and the like.
     */
    static void writing(String flag, java.nio.file.Path path, Write write) throws java.io.IOException {
        try {
            write.run();
        } catch (java.nio.file.FileSystemException e) {
            if (e.getReason() == null) {
                throw e;
            }
            throw new UserError(flag + " " + path + ": " + e.getReason());
        }
    }

    /**
     * "--layers 256,128" as sizes; null means the default 256,128; an empty value means no hidden layer. An empty size
     * among others ("256,,128", "256,", and commas alone: ",,") is an error: a typo, whose layer would otherwise be
     * silently left out.
     */
    static int[] layers(List<String> values) {
        if (values == null) {
            return new int[] {256, 128};
        }
        // split here rather than by picocli, whose split drops a trailing empty part ("256," gave [256])
        List<String> parts = values.stream().flatMap(v -> java.util.Arrays.stream(v.split(",", -1))).map(String::trim).toList();
        if (parts.size() == 1 && parts.get(0).isEmpty()) {
            return new int[0];
        }
        if (parts.contains("")) {
            throw new UserError("--layers: \"" + String.join(",", values) + "\" has an empty size; expected positive integers"
                    + " like 256,128, or '' for no hidden layer");
        }
        int[] sizes = new int[parts.size()];
        for (int i = 0; i < sizes.length; i++) {
            try {
                sizes[i] = Integer.parseInt(parts.get(i));
            } catch (NumberFormatException e) {
                throw new UserError("--layers: \"" + parts.get(i) + "\" is not a layer size; expected positive integers like 256,128");
            }
            if (sizes[i] < 1) {
                throw new UserError("--layers: sizes must be positive, got " + sizes[i]);
            }
        }
        return sizes;
    }

    /** "--augment none|flip|shift:N|flip,shift:N" as an Augmentation (identity for none); {@link Augmentation#parse}. */
    static Augmentation augmentation(String spec) {
        try {
            return Augmentation.parse(spec);
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }
}
