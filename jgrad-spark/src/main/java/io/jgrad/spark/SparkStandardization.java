package io.jgrad.spark;

import io.jgrad.data.Standardization;
import java.util.List;

/**
 * What --normalize computes on Spark: the {@link Standardization} of the training data, by its rules and its two
 * passes, run where the data is. One Spark job sums each column of the cached training blocks, the next sums the
 * squared deviations from the centres so found ({@link Standardization#centers}); each partition returns a number per
 * column, no rows, and the driver adds them in partition order, so the result does not depend on which task finished
 * first.
 */
final class SparkStandardization {
    private SparkStandardization() {}

    /** The statistics of {@code train}'s features (two Spark jobs over its cached blocks): over all values, or per column. */
    static Standardization of(DistributedDataset train, boolean perColumn) {
        int width = train.featureSize();
        long n = train.size();
        double[] sums = sum(train.blocks().map(b -> columnSums(b, width)).collect(), width);
        double[] center = Standardization.centers(sums, n, perColumn);
        double[] m2 = sum(train.blocks().map(b -> squaredDeviations(b, center)).collect(), width);
        return Standardization.fromDeviations(center, m2, n, perColumn);
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
}
