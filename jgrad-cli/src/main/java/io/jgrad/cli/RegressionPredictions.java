package io.jgrad.cli;

import java.util.Objects;

/**
 * A regression model's predictions on one data set, beside the true targets, in target units, for the
 * report's RMSE, R² and predicted-vs-true chart. The arrays are not copied.
 *
 * @param set       which rows these are: "validation", "test" or "training" (the last when the run had no
 *                  held-out data)
 * @param truth     the targets, one per row
 * @param predicted the model's output for each row
 */
record RegressionPredictions(String set, float[] truth, float[] predicted) {
    RegressionPredictions {
        Objects.requireNonNull(set, "RegressionPredictions: set is null");
        if (truth == null || predicted == null || truth.length != predicted.length) {
            throw new IllegalArgumentException("RegressionPredictions: need as many predictions as targets, got "
                    + (truth == null ? "null" : truth.length) + " targets and "
                    + (predicted == null ? "null" : predicted.length) + " predictions");
        }
    }

    int size() {
        return truth.length;
    }

    /** Root mean squared error, sqrt(mean((predicted - truth)²)); NaN for no rows. */
    double rmse() {
        return size() == 0 ? Double.NaN : Math.sqrt(residualSumOfSquares() / size());
    }

    /**
     * Coefficient of determination, 1 - SS_res / SS_tot, with SS_tot the squared deviations of the targets from
     * their mean: 1 for a perfect fit, 0 for predicting the mean, below 0 for worse. NaN when the targets are
     * all equal (SS_tot = 0), where it is undefined.
     */
    double r2() {
        int n = size();
        if (n == 0) {
            return Double.NaN;
        }
        double mean = 0;
        for (float t : truth) {
            mean += t;
        }
        mean /= n;
        double total = 0;
        for (float t : truth) {
            total += (t - mean) * (t - mean);
        }
        return total == 0 ? Double.NaN : 1 - residualSumOfSquares() / total;
    }

    private double residualSumOfSquares() {
        double sum = 0;
        for (int i = 0; i < truth.length; i++) {
            double d = (double) predicted[i] - truth[i];
            sum += d * d;
        }
        return sum;
    }
}
