package io.jgrad.data;

import io.jgrad.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Input standardization, x' = (x - mean) / std: one mean and (population) standard deviation for every feature value
 * ({@code perColumn} false, one element each, as MNIST's 0.1307 and 0.3081) or one pair per feature column
 * ({@code perColumn}, as scikit-learn's StandardScaler). {@link #NONE} (0 and 1 for all values) leaves features as
 * they are. {@code jgrad train --normalize} and {@code jgrad train --spark --normalize} compute it over the training
 * data by the same rules and record it in config.json, so that evaluation, prediction and resumed runs prepare data
 * as training did.
 *
 * <p>The statistics come from two passes, wherever the data is: the column sums give the centres ({@link #centers}),
 * then the sums of squared deviations from those centres give the spread ({@link #fromDeviations}); a large mean
 * would cancel the digits of E[x^2] - E[x]^2. The rules: over all values the std is at least 1e-6 (a variance floor
 * of 1e-12), so that data of one value is not divided by 0; a column whose deviation is at most 1e-12 times its mean
 * (or than 1) is constant and gets std 1, so that it becomes 0, as StandardScaler's.
 *
 * @param mean one value, or one per column
 * @param std as many positive values as {@code mean}
 * @param perColumn whether each column has its own pair (also with one column: a mode, kept by resumed runs)
 */
public record Standardization(double[] mean, double[] std, boolean perColumn) {
    /** Mean 0 and std 1 for all values: the features as they are. */
    public static final Standardization NONE = new Standardization(new double[] {0}, new double[] {1}, false);

    private static final double MIN_VARIANCE = 1e-12;

    /**
     * @throws IllegalArgumentException if mean or std is null or empty, their lengths differ, a pair for all values
     *     has more than one element, or a std is not positive and finite or a mean not finite
     */
    public Standardization {
        if (mean == null || std == null || mean.length == 0 || mean.length != std.length || !perColumn && mean.length != 1) {
            throw new IllegalArgumentException("Standardization: expected a mean and a std of the same length, one element each"
                    + " unless perColumn; got " + (mean == null ? "null" : mean.length) + " and " + (std == null ? "null" : std.length)
                    + ", perColumn " + perColumn);
        }
        for (int j = 0; j < mean.length; j++) {
            if (!Double.isFinite(mean[j]) || !(std[j] > 0) || !Double.isFinite(std[j])) {
                throw new IllegalArgumentException("Standardization: column " + j + " has mean " + mean[j] + " and std "
                        + std[j] + "; expected a finite mean and a positive, finite std");
            }
        }
        mean = mean.clone();
        std = std.clone();
    }

    /**
     * {@code --normalize}'s mode as jgrad train and jgrad-spark read the flag's value: null when the flag is absent
     * ({@code value} null), else "all" (also the flag alone) or "columns", whatever the case and spaces around.
     *
     * @throws IllegalArgumentException for any other value, in the words both commands print
     */
    public static String mode(String value) {
        if (value == null) {
            return null;
        }
        String mode = value.trim().toLowerCase(Locale.ROOT);
        if (!mode.equals("all") && !mode.equals("columns")) {
            throw new IllegalArgumentException("--normalize must be all or columns (or the flag alone, for all), got " + value);
        }
        return mode;
    }

    /** Whether this leaves features as they are (mean 0 and std 1 for all values). */
    public boolean isNone() {
        return !perColumn && mean[0] == 0 && std[0] == 1;
    }

    /** The statistics of {@code train}'s features [N, F] by the rules above: over all values, or per column with {@code perColumn}. */
    public static Standardization of(TensorDataset train, boolean perColumn) {
        int n = train.size(), width = train.features().numel() / Math.max(1, n);
        float[] x = train.features().toFloatArray();
        double[] sums = new double[width];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < width; j++) {
                sums[j] += x[i * width + j];
            }
        }
        double[] center = centers(sums, n, perColumn);
        double[] m2 = new double[width];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < width; j++) {
                double d = x[i * width + j] - center[j];
                m2[j] += d * d;
            }
        }
        return fromDeviations(center, m2, n, perColumn);
    }

    /**
     * The first pass's result: from the per-column sums of {@code rows} rows, each column's mean, or with
     * {@code perColumn} false the mean of all values, repeated for every column.
     */
    public static double[] centers(double[] columnSums, long rows, boolean perColumn) {
        int width = columnSums.length;
        double[] center = new double[width];
        if (perColumn) {
            for (int j = 0; j < width; j++) {
                center[j] = columnSums[j] / rows;
            }
        } else {
            double total = 0;
            for (double s : columnSums) {
                total += s;
            }
            Arrays.fill(center, total / ((double) rows * width));
        }
        return center;
    }

    /**
     * The second pass's result: the standardization whose means are {@code centers} (from {@link #centers}) and
     * whose stds come from the per-column sums of squared deviations from them over {@code rows} rows, by the rules
     * of this class.
     */
    public static Standardization fromDeviations(double[] centers, double[] squaredDeviations, long rows, boolean perColumn) {
        int width = centers.length;
        if (!perColumn) {
            double all = 0;
            for (double v : squaredDeviations) {
                all += v;
            }
            return new Standardization(new double[] {centers[0]},
                    new double[] {Math.sqrt(Math.max(all / ((double) rows * width), MIN_VARIANCE))}, false);
        }
        double[] std = new double[width];
        for (int j = 0; j < width; j++) {
            double s = Math.sqrt(squaredDeviations[j] / rows);
            std[j] = s > 1e-12 * Math.max(1, Math.abs(centers[j])) ? s : 1;
        }
        return new Standardization(centers, std, true);
    }

    /** (x - mean) / std of {@code x} [N, F] (or any shape, for one pair), a new tensor, without a graph. */
    public Tensor apply(Tensor x) {
        try (var scope = Tensor.noGrad()) {
            if (!perColumn) {
                return x.sub(mean[0]).div(std[0]);
            }
            return x.sub(Tensor.of(mean).to(x.dtype())).div(Tensor.of(std).to(x.dtype()));
        }
    }

    /**
     * (x - mean) / std for {@code rows} rows of {@code width} values from {@code x[offset]}, in float32 with the mean
     * and std rounded to float32, as {@link #apply(Tensor)} computes on float32 features. Modified: x.
     */
    public void apply(float[] x, int offset, int rows, int width) {
        float[] m = new float[width], s = new float[width];
        for (int j = 0; j < width; j++) {
            m[j] = (float) mean[perColumn ? j : 0];
            s[j] = (float) std[perColumn ? j : 0];
        }
        for (int i = 0; i < rows; i++) {
            for (int j = 0, k = offset + i * width; j < width; j++, k++) {
                x[k] = (x[k] - m[j]) / s[j];
            }
        }
    }

    /** For a data description: "mean 0.1307, std 0.3081", or "per column". */
    public String describe() {
        return perColumn ? "per column" : String.format(Locale.ROOT, "mean %.4f, std %.4f", mean[0], std[0]);
    }

    /**
     * config.json's data.normalize_mean and normalize_std: numbers, or lists of one per column (a list of one for a
     * single column). Modified: d.
     */
    public void putInto(Map<String, Object> d) {
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

    @Override
    public double[] mean() {
        return mean.clone();
    }

    @Override
    public double[] std() {
        return std.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Standardization s && perColumn == s.perColumn && Arrays.equals(mean, s.mean) && Arrays.equals(std, s.std);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(mean) + Arrays.hashCode(std)) + Boolean.hashCode(perColumn);
    }

    @Override
    public String toString() {
        return describe();
    }
}
