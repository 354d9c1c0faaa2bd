package io.jgrad.train;

/**
 * Counts of (true class, predicted class) pairs, and the per-class precision, recall and F1 derived from them:
 * precision(c) = TP / (TP + FP) (of the samples predicted c, the fraction that are c), recall(c) = TP / (TP + FN)
 * (of the samples of class c, the fraction found), F1(c) = 2TP / (2TP + FP + FN).
 */
public final class ConfusionMatrix {
    private final long[][] counts;

    /** An empty matrix for {@code classes} classes. */
    public ConfusionMatrix(int classes) {
        if (classes < 1) {
            throw new IllegalArgumentException("ConfusionMatrix needs at least one class, got " + classes);
        }
        counts = new long[classes][classes];
    }

    /**
     * Records one sample. Modified: this.
     *
     * @throws IllegalArgumentException if a class is not in 0..classes()-1 (nothing is counted)
     */
    public void add(int trueClass, int predictedClass) {
        if (trueClass < 0 || trueClass >= counts.length || predictedClass < 0 || predictedClass >= counts.length) {
            boolean t = trueClass < 0 || trueClass >= counts.length;
            throw new IllegalArgumentException("ConfusionMatrix.add: " + (t ? "true class " + trueClass : "predicted class "
                    + predictedClass) + " is not one of the matrix's " + counts.length + " classes 0.." + (counts.length - 1));
        }
        counts[trueClass][predictedClass]++;
    }

    /** The number of classes (the matrix is classes x classes). */
    public int classes() {
        return counts.length;
    }

    /** Samples of class {@code trueClass} predicted as {@code predictedClass}. */
    public long count(int trueClass, int predictedClass) {
        return counts[trueClass][predictedClass];
    }

    /** The number of samples recorded: the sum of all counts. */
    public long total() {
        long t = 0;
        for (long[] row : counts) {
            for (long c : row) {
                t += c;
            }
        }
        return t;
    }

    /** Samples predicted as their true class: the diagonal's sum. */
    public long correct() {
        long diag = 0;
        for (int i = 0; i < counts.length; i++) {
            diag += counts[i][i];
        }
        return diag;
    }

    /** Samples of class c, TP + FN: row c's sum. */
    public long support(int c) {
        long actual = 0;
        for (long v : counts[c]) {
            actual += v;
        }
        return actual;
    }

    /** Samples predicted as class c, TP + FP: column c's sum. */
    public long predicted(int c) {
        long predicted = 0;
        for (long[] row : counts) {
            predicted += row[c];
        }
        return predicted;
    }

    /** Fraction of samples on the diagonal (NaN when empty). */
    public double accuracy() {
        long t = total();
        return t == 0 ? Double.NaN : (double) correct() / t;
    }

    /** TP / (TP + FP) for class c (NaN when nothing was predicted as c). */
    public double precision(int c) {
        long predicted = predicted(c);
        return predicted == 0 ? Double.NaN : (double) counts[c][c] / predicted;
    }

    /** TP / (TP + FN) for class c (NaN when class c never occurs). */
    public double recall(int c) {
        long actual = support(c);
        return actual == 0 ? Double.NaN : (double) counts[c][c] / actual;
    }

    /**
     * 2TP / (2TP + FP + FN) = 2TP / (predicted(c) + support(c)) for class c, the harmonic mean of precision and
     * recall where both are defined: 0 for a class that occurs but is never predicted (precision undefined), NaN
     * only when c neither occurs nor is predicted.
     */
    public double f1(int c) {
        long denominator = predicted(c) + support(c);
        return denominator == 0 ? Double.NaN : 2.0 * counts[c][c] / denominator;
    }

    /**
     * The unweighted means of precision, recall and F1 over the classes that occur or are predicted, an undefined
     * precision or recall counting as 0: scikit-learn's average="macro" with its default zero_division=0. NaN each
     * when the matrix is empty. Averaging only the defined values would let a model that predicts one class score
     * that class's precision as its mean.
     *
     * @return {mean precision, mean recall, mean F1}
     */
    public double[] macro() {
        double p = 0, r = 0, f = 0;
        int n = 0;
        for (int c = 0; c < counts.length; c++) {
            if (predicted(c) + support(c) > 0) {
                p += Double.isNaN(precision(c)) ? 0 : precision(c);
                r += Double.isNaN(recall(c)) ? 0 : recall(c);
                f += f1(c);
                n++;
            }
        }
        return n == 0 ? new double[] {Double.NaN, Double.NaN, Double.NaN} : new double[] {p / n, r / n, f / n};
    }

    /** A text table: rows are true classes, columns predicted classes, then precision and recall per class. */
    @Override
    public String toString() {
        return toString(null);
    }

    /**
     * {@link #toString()} with the classes named by {@code classNames} (class i is {@code classNames.get(i)}, shown up
     * to 12 characters, or as many more as tell two names apart), or by their indices when it is null or empty.
     */
    public String toString(java.util.List<String> classNames) {
        int k = counts.length;
        boolean named = classNames != null && !classNames.isEmpty();
        if (named && classNames.size() != k) {
            throw new IllegalArgumentException("ConfusionMatrix: " + classNames.size() + " class names for " + k + " classes");
        }
        String[] label = new String[k];
        // names cut to 12 characters, or to more where two would read the same (churned_2024_yes, churned_2024_no)
        for (int cap = 12; ; cap++) {
            int longest = 0;
            for (int j = 0; j < k; j++) {
                String name = named ? classNames.get(j) : Integer.toString(j);
                label[j] = name.length() > cap ? name.substring(0, cap - 1) + "~" : name;
                longest = Math.max(longest, name.length());
            }
            if (cap >= longest || new java.util.HashSet<>(java.util.Arrays.asList(label)).size() == k) {
                break;
            }
        }
        int w = 7;
        for (int j = 0; j < k; j++) {
            w = Math.max(w, label[j].length() + 1);
        }
        int first = Math.max(9, w); // "true\\pred", then the true class of each row
        StringBuilder sb = new StringBuilder(pad("true\\pred", first));
        for (int j = 0; j < k; j++) {
            sb.append(pad(label[j], w));
        }
        sb.append("   recall\n");
        for (int i = 0; i < k; i++) {
            sb.append(pad(label[i], first));
            for (int j = 0; j < k; j++) {
                sb.append(pad(Long.toString(counts[i][j]), w));
            }
            sb.append(String.format("   %6.4f%n", recall(i)));
        }
        sb.append(pad("precision", first));
        for (int j = 0; j < k; j++) {
            sb.append(String.format(" %" + (w - 1) + ".4f", precision(j)));
        }
        return sb.append('\n').toString();
    }

    /** {@code s} right-aligned in {@code width} characters. */
    private static String pad(String s, int width) {
        return " ".repeat(Math.max(0, width - s.length())) + s;
    }
}
