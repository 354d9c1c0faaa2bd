package io.jgrad.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What --normalize does on Spark, as jgrad train does it (jgrad-cli's Standardization, whose numbers and config.json
 * fields these are): x' = (x - mean) / std, with one mean and (population) standard deviation over every feature value
 * of the training data ({@code --normalize}, as MNIST's 0.1307 and 0.3081: one element each) or one per feature column
 * ({@code --normalize columns}, as scikit-learn's StandardScaler: an element per column, {@code perColumn}).
 * {@link #NONE} (0 and 1) leaves the features as they are.
 *
 * <p>The statistics are computed where the data is, in two passes over the cached training blocks, as jgrad train
 * computes a column's: one Spark job sums each column, the next sums the squared deviations from the means so found.
 * Each partition returns a number per column, no rows; the driver adds them in partition order, so the result does
 * not depend on which task finished first, and a large mean does not cancel the digits of the variance, as
 * E[x^2] - E[x]^2 would.
 */
record Standardization(double[] mean, double[] std, boolean perColumn) implements Serializable {
    static final Standardization NONE = new Standardization(new double[] {0}, new double[] {1}, false);

    /** jgrad train's floor for the variance of all values, so that data of one value is not divided by 0. */
    private static final double MIN_VARIANCE = 1e-12;

    boolean isNone() {
        return !perColumn && mean[0] == 0 && std[0] == 1;
    }

    /**
     * The statistics of {@code train}'s features (two Spark jobs over its cached blocks): over all values, or per
     * column with {@code perColumn}. As jgrad train's: the population standard deviation; over all values at least
     * 1e-6 (the square root of its variance floor); for a column, 1 where the column is constant (its deviation at
     * most 1e-12 times its mean, or than 1), so that it becomes 0 rather than a division by 0.
     */
    static Standardization of(DistributedDataset train, boolean perColumn) {
        int width = train.featureSize();
        double n = train.size();
        double[] sums = sum(train.blocks().map(b -> columnSums(b, width)).collect(), width);
        double[] center = new double[width];
        if (perColumn) {
            for (int j = 0; j < width; j++) {
                center[j] = sums[j] / n;
            }
        } else {
            double total = 0;
            for (double s : sums) {
                total += s;
            }
            Arrays.fill(center, total / (n * width));
        }
        double[] m2 = sum(train.blocks().map(b -> squaredDeviations(b, center)).collect(), width);
        if (!perColumn) {
            double all = 0;
            for (double v : m2) {
                all += v;
            }
            return new Standardization(new double[] {center[0]}, new double[] {Math.sqrt(Math.max(all / (n * width), MIN_VARIANCE))},
                    false);
        }
        double[] std = new double[width];
        for (int j = 0; j < width; j++) {
            double s = Math.sqrt(m2[j] / n);
            std[j] = s > 1e-12 * Math.max(1, Math.abs(center[j])) ? s : 1;
        }
        return new Standardization(center, std, true);
    }

    /** The element-wise sum of {@code parts}, in their order (partition order: the same bits on every run). */
    private static double[] sum(List<double[]> parts, int width) {
        double[] out = new double[width];
        for (double[] part : parts) {
            for (int j = 0; j < width; j++) {
                out[j] += part[j];
            }
        }
        return out;
    }

    /** Per column j of {@code block}'s rows, sum_i x_ij in double (0s for a block without rows). */
    static double[] columnSums(Block block, int width) {
        double[] out = new double[width];
        float[] row = new float[width];
        for (int i = 0; i < block.rows(); i++) {
            block.copyRow(i, row, 0);
            for (int j = 0; j < width; j++) {
                out[j] += row[j];
            }
        }
        return out;
    }

    /** Per column j of {@code block}'s rows, sum_i (x_ij - center_j)^2 in double (0s for a block without rows). */
    static double[] squaredDeviations(Block block, double[] center) {
        int width = center.length;
        double[] out = new double[width];
        float[] row = new float[width];
        for (int i = 0; i < block.rows(); i++) {
            block.copyRow(i, row, 0);
            for (int j = 0; j < width; j++) {
                double d = row[j] - center[j];
                out[j] += d * d;
            }
        }
        return out;
    }

    /**
     * x' = (x - mean) / std for {@code rows} rows of {@code width} values from {@code x[offset]}, in float32 with the
     * mean and std rounded to float32, as jgrad train's Tensor ops compute it (so that eval and predict of the run see
     * the same inputs). Modified: x.
     */
    void apply(float[] x, int offset, int rows, int width) {
        if (!perColumn) {
            float m = (float) mean[0], s = (float) std[0];
            for (int i = offset, end = offset + rows * width; i < end; i++) {
                x[i] = (x[i] - m) / s;
            }
            return;
        }
        float[] m = new float[width], s = new float[width];
        for (int j = 0; j < width; j++) {
            m[j] = (float) mean[j];
            s[j] = (float) std[j];
        }
        for (int i = 0; i < rows; i++) {
            for (int j = 0, k = offset + i * width; j < width; j++, k++) {
                x[k] = (x[k] - m[j]) / s[j];
            }
        }
    }

    /** For the run's first line, as jgrad train's data description: "mean 0.1307, std 0.3081", or "per column". */
    String describe() {
        return perColumn ? "per column" : String.format(Locale.ROOT, "mean %.4f, std %.4f", mean[0], std[0]);
    }

    /**
     * config.json's data.normalize_mean and normalize_std, as jgrad train writes them: numbers, or lists of one per
     * column (a list of one for a single column). Modified: d.
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
