package io.jgrad.cli;

import io.jgrad.data.Augmentation;
import io.jgrad.train.TrainFlags;
import java.util.List;

/**
 * Checks of flag values that picocli's types cannot express; each failure names the flag. Those that jgrad train
 * --spark makes too are jgrad-core's {@link TrainFlags}, whose refusals become UserErrors here.
 */
final class Flags {
    private Flags() {}

    /** What {@code check} returns; its refusal, an IllegalArgumentException naming the flag, becomes a UserError. */
    static <T> T users(java.util.function.Supplier<T> check) {
        try {
            return check.get();
        } catch (IllegalArgumentException e) {
            throw new UserError(e.getMessage());
        }
    }

    /** {@link #users(java.util.function.Supplier)} for a check that returns nothing. */
    static void users(Runnable check) {
        users(() -> {
            check.run();
            return null;
        });
    }

    static int positive(String flag, int v) {
        return users(() -> TrainFlags.positive(flag, v));
    }

    static double positive(String flag, double v) {
        return users(() -> TrainFlags.positive(flag, v));
    }

    static double nonNegative(String flag, double v) {
        return users(() -> TrainFlags.nonNegative(flag, v));
    }

    static int nonNegative(String flag, int v) {
        return users(() -> TrainFlags.nonNegative(flag, v));
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
        users(() -> TrainFlags.notEmpty(flag, path == null ? null : path.toString()));
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
     * "--layers 256,128" as sizes ({@link TrainFlags#hiddenSizes}: an empty value is no hidden layer, an empty size
     * among others is refused); null means the default 256,128. picocli's split is not used: it drops a trailing empty
     * part ("256," gave [256]).
     */
    static int[] layers(List<String> values) {
        return values == null ? new int[] {256, 128} : users(() -> TrainFlags.hiddenSizes(String.join(",", values)));
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
