package io.jgrad.cli;

import io.jgrad.data.TensorDataset;
import io.jgrad.io.JgradFormatException;
import io.jgrad.tensor.Tensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What --normalize does to the features: x' = (x - mean) / std, with one mean and standard deviation for all
 * values ({@code --normalize}, as MNIST's 0.1307 and 0.3081: one element each) or one per feature column
 * ({@code --normalize columns}, as scikit-learn's StandardScaler: an element per column, {@code perColumn}; also
 * for a file of one feature column, whose pair is then the same numbers as --normalize's but not the same mode for
 * --resume). {@link #NONE} (0 and 1 for all values) leaves the features as they are. config.json records it so
 * that eval, predict and --resume prepare data as training did.
 */
record Standardization(double[] mean, double[] std, boolean perColumn) {
    static final Standardization NONE = new Standardization(new double[] {0}, new double[] {1}, false);

    boolean isNone() {
        return !perColumn && mean[0] == 0 && std[0] == 1;
    }

    /** One mean and standard deviation over every value of {@code train}'s features. */
    static Standardization ofAll(TensorDataset train) {
        float[] x = train.features().toFloatArray();
        double sum = 0, sq = 0;
        for (float v : x) {
            sum += v;
            sq += (double) v * v;
        }
        double m = sum / x.length;
        return new Standardization(new double[] {m}, new double[] {Math.sqrt(Math.max(sq / x.length - m * m, 1e-12))}, false);
    }

    /**
     * A mean and (population) standard deviation per feature column of {@code train} [N, F]; a constant column gets
     * std 1, as StandardScaler's, so that it becomes 0 rather than a division by 0.
     */
    static Standardization ofColumns(TensorDataset train) {
        int f = train.sampleShape()[0], n = train.size();
        float[] x = train.features().toFloatArray();
        double[] mean = new double[f], std = new double[f];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < f; j++) {
                mean[j] += x[i * f + j];
            }
        }
        for (int j = 0; j < f; j++) {
            mean[j] /= n;
        }
        for (int i = 0; i < n; i++) { // two passes: a large mean would cancel the digits of E[x^2] - E[x]^2
            for (int j = 0; j < f; j++) {
                double d = x[i * f + j] - mean[j];
                std[j] += d * d;
            }
        }
        for (int j = 0; j < f; j++) {
            double s = Math.sqrt(std[j] / n);
            std[j] = s > 1e-12 * Math.max(1, Math.abs(mean[j])) ? s : 1;
        }
        return new Standardization(mean, std, true);
    }

    /** (x - mean) / std of {@code x} [N, F] (or any shape, for one pair), without a graph. */
    Tensor apply(Tensor x) {
        try (var scope = Tensor.noGrad()) {
            if (!perColumn) {
                return x.sub(mean[0]).div(std[0]);
            }
            return x.sub(Tensor.of(mean).to(x.dtype())).div(Tensor.of(std).to(x.dtype()));
        }
    }

    /** For the data's description: "mean 0.1307, std 0.3081", or "per column". */
    String describe() {
        return perColumn ? "per column" : String.format(Locale.ROOT, "mean %.4f, std %.4f", mean[0], std[0]);
    }

    /**
     * config.json's data.normalize_mean and normalize_std: numbers, or lists of one per column (a list of one for a
     * single column). Modified: d.
     */
    void putInto(Map<String, Object> d) {
        d.put("normalize_mean", json(mean));
        d.put("normalize_std", json(std));
    }

    private Object json(double[] v) {
        if (!perColumn) {
            return v[0];
        }
        List<Object> list = new ArrayList<>(v.length);
        for (double x : v) {
            list.add(x);
        }
        return list;
    }

    /**
     * Reads {@link #putInto}'s fields from config.json's "data" object: two numbers, or two lists of {@code features}
     * numbers (the network's inputs; per column), the std's all positive; else an error naming the file and field.
     */
    static Standardization read(Map<String, Object> d, Path file, int features) {
        double[] mean = numbers(d, "normalize_mean", file, features);
        double[] std = numbers(d, "normalize_std", file, features);
        boolean perColumn = d.get("normalize_mean") instanceof List<?>;
        if (perColumn != d.get("normalize_std") instanceof List<?>) {
            throw new JgradFormatException(file, "data.normalize_std", "is " + (perColumn ? "a number" : "a list")
                    + " and normalize_mean " + (perColumn ? "a list" : "a number") + "; expected two numbers (one pair for"
                    + " all values) or two lists (a pair per column)");
        }
        for (double s : std) {
            if (!(s > 0) || !Double.isFinite(s)) {
                throw new JgradFormatException(file, "data.normalize_std", "expected " + (std.length == 1 ? "a positive number"
                        : "positive numbers") + " (the features are divided by it), got " + s);
            }
        }
        for (double m : mean) {
            if (!Double.isFinite(m)) {
                throw new JgradFormatException(file, "data.normalize_mean", "expected finite numbers, got " + m);
            }
        }
        return new Standardization(mean, std, perColumn);
    }

    private static double[] numbers(Map<String, Object> d, String field, Path file, int features) {
        if (!(d.get(field) instanceof List<?> list)) {
            return new double[] {ConfigFields.number(d, field, file, "data")};
        }
        if (list.size() != features) {
            throw new JgradFormatException(file, "data." + field, "lists " + list.size() + " values, but the network takes "
                    + features + " inputs; expected a number, or one per input column");
        }
        double[] v = new double[list.size()];
        for (int i = 0; i < v.length; i++) {
            if (!(list.get(i) instanceof Number x)) {
                throw new JgradFormatException(file, "data." + field, "expected numbers, got " + ConfigFields.describe(list.get(i)));
            }
            v[i] = x.doubleValue();
        }
        return v;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Standardization s && perColumn == s.perColumn && java.util.Arrays.equals(mean, s.mean)
                && java.util.Arrays.equals(std, s.std);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * java.util.Arrays.hashCode(mean) + java.util.Arrays.hashCode(std)) + Boolean.hashCode(perColumn);
    }

    @Override
    public String toString() {
        return describe();
    }
}
