package io.jgrad.data;

import java.util.BitSet;

/** What jgrad train and jgrad train --spark say alike about a classifier's labels, class indices 0..K-1. */
public final class ClassLabels {
    private ClassLabels() {}

    /**
     * The note for labels of which most, up to the largest, have no sample (fewer than half of them have one), or null:
     * the class count is the largest label plus one, so a target that is not a class index 0..K-1 (an id, a count, a
     * price in whole units) makes a network with an output per number up to its largest value, most of them for
     * classes that never occur. Null for 2 classes or fewer.
     *
     * @param classes the network's outputs (an IDX directory's are at least 10, whatever its labels)
     * @param seen the labels that some sample has; not modified
     * @param numericTarget the note's last words, on what a numeric target needs, e.g. "for a numeric target use --loss mse"
     */
    public static String unusedNote(int classes, BitSet seen, String numericTarget) {
        int used = seen.cardinality();
        // against the largest label, not the class count: an IDX directory has at least 10 classes whatever its labels
        if (classes <= 2 || 2 * used >= seen.length()) {
            return null;
        }
        return String.format("the targets take %,d different values, but class labels are counted from 0 up to the largest,"
                + " %,d, so the network gets %,d outputs, %,d of them for classes no sample has; class labels must be"
                + " 0..K-1 (%s)", used, classes - 1, classes, classes - used, numericTarget);
    }
}
