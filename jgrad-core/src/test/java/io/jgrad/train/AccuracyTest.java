package io.jgrad.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jgrad.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Hits counted with arrays kept from batch to batch: a smaller batch after a larger one sees none of its rows. */
class AccuracyTest {

    @Test
    void countsEachBatchAloneThoughItsArraysAreReused() {
        Accuracy acc = new Accuracy(Task.CLASSIFICATION);
        Tensor scores = Tensor.of(new float[][] {{0, 1, 0}, {2, 1, 0}, {0, 0, 3}, {1, 5, 2}});
        assertEquals(3, acc.correct(scores, Tensor.of(new float[] {1, 0, 2, 0})));
        // two rows after four: the arrays still hold the rows above behind these
        assertEquals(1, acc.correct(Tensor.of(new float[][] {{0, 0, 1}, {1, 0, 0}}), Tensor.of(new float[] {2, 2})));
        assertEquals(0, acc.correct(Tensor.of(new float[][] {{0, 0, 1}}), Tensor.of(new float[] {1})));
        // a transposed (strided) view is read in row-major order like any other tensor
        assertEquals(2, acc.correct(Tensor.of(new float[][] {{5, 0}, {0, 5}}).transpose(0, 1), Tensor.of(new float[] {0, 1})));
    }

    @Test
    void binaryOutputsAreThresholded() {
        Accuracy probabilities = new Accuracy(Task.BINARY);
        assertEquals(2, probabilities.correct(Tensor.of(new float[][] {{0.7f}, {0.2f}, {0.5f}}), Tensor.of(new float[] {1, 1, 1})));
        Accuracy logits = new Accuracy(Task.BINARY_LOGITS);
        assertEquals(2, logits.correct(Tensor.of(new float[] {0.1f, -2f, 0f}), Tensor.of(new float[] {1, 0, 1})));
        ConfusionMatrix m = new ConfusionMatrix(2);
        logits.addTo(m, Tensor.of(new float[] {3f, -1f}), Tensor.of(new float[] {1, 1}));
        assertEquals(0.5, m.accuracy(), 0);
    }

    @Test
    void aClassOutsideTheMatrixIsRefusedByName() {
        // it was a bare ArrayIndexOutOfBoundsException, naming neither the class nor the matrix's size
        ConfusionMatrix m = new ConfusionMatrix(3);
        var e = assertThrows(IllegalArgumentException.class, () -> m.add(3, 0));
        assertEquals("ConfusionMatrix.add: true class 3 is not one of the matrix's 3 classes 0..2", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.add(0, -1));
        assertEquals("ConfusionMatrix.add: predicted class -1 is not one of the matrix's 3 classes 0..2", e.getMessage());
        assertEquals(0, m.total(), "nothing counted");
    }

    @Test
    void smoothedBinaryTargetsAreTheirNearestClass() {
        // BCE with label smoothing trains on targets 0.1 and 0.9: a target was truncated to its class, so 0.9 was class 0,
        // and every correct prediction of a positive sample counted as a miss (here 1 of 4 right instead of 3)
        Tensor probabilities = Tensor.of(new float[][] {{0.8f}, {0.3f}, {0.6f}, {0.95f}});
        Tensor smoothed = Tensor.of(new float[][] {{0.9f}, {0.1f}, {0.1f}, {0.9f}});
        assertEquals(3, new Accuracy(Task.BINARY).correct(probabilities, smoothed));
        ConfusionMatrix m = new ConfusionMatrix(2);
        new Accuracy(Task.BINARY_LOGITS).addTo(m, Tensor.of(new float[] {2f, -1f, 1f, 3f}), Tensor.of(new float[] {0.9f, 0.1f, 0.1f, 0.9f}));
        assertEquals(2, m.count(1, 1));
        assertEquals(1, m.count(0, 1));
        assertEquals(1, m.count(0, 0));
        // beyond [0, 1] a binary target is no probability of class 1: refused, 1.5 as 2 was
        var e = assertThrows(IllegalArgumentException.class,
                () -> new Accuracy(Task.BINARY).correct(Tensor.of(new float[] {0.7f, 0.1f}), Tensor.of(new float[] {1, 1.5f})));
        assertTrue(e.getMessage().contains("1.5") && e.getMessage().contains("row 1") && e.getMessage().contains("[0, 1]"),
                e.getMessage());
    }

    @Test
    void outputsAndTargetsThatDoNotFitTheTaskAreRefused() {
        // each used to count silently: a regression net's [N] output under CLASSIFICATION was one "class 0" per row,
        // one-hot targets [N, C] were read as their first column, and a wide output under BINARY as its first score
        Accuracy classes = new Accuracy(Task.CLASSIFICATION);
        var e = assertThrows(IllegalArgumentException.class,
                () -> classes.correct(Tensor.of(new float[] {0.3f, 2.5f}), Tensor.of(new float[] {0.5f, 2.5f})));
        assertTrue(e.getMessage().contains("CLASSIFICATION") && e.getMessage().contains("[N, C]")
                && e.getMessage().contains("[2]") && e.getMessage().contains("REGRESSION"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> classes.correct(Tensor.of(new float[][] {{0, 1}, {1, 0}}), Tensor.of(new float[][] {{0, 1, 0}, {1, 0, 0}})));
        assertTrue(e.getMessage().contains("class index per sample") && e.getMessage().contains("[2, 3]")
                && e.getMessage().contains("[N, 2]") && e.getMessage().contains("REGRESSION"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> classes.correct(Tensor.of(new float[][] {{0, 1}, {1, 0}}), Tensor.of(new float[] {1, 2})));
        assertTrue(e.getMessage().contains("2.0") && e.getMessage().contains("row 1") && e.getMessage().contains("[0, 2)"),
                e.getMessage());
        Accuracy binary = new Accuracy(Task.BINARY);
        e = assertThrows(IllegalArgumentException.class,
                () -> binary.correct(Tensor.of(new float[][] {{0.2f, 0.8f}}), Tensor.of(new float[] {1})));
        assertTrue(e.getMessage().contains("BINARY") && e.getMessage().contains("[1, 2]")
                && e.getMessage().contains("CLASSIFICATION"), e.getMessage());
        // a class beyond the confusion matrix (here a BINARY target of 2) was an ArrayIndexOutOfBoundsException
        e = assertThrows(IllegalArgumentException.class,
                () -> binary.addTo(new ConfusionMatrix(2), Tensor.of(new float[] {0.7f, 0.1f}), Tensor.of(new float[] {1, 2})));
        assertTrue(e.getMessage().contains("2.0") && e.getMessage().contains("row 1"), e.getMessage());
    }

    /**
     * Targets given as rows of the outputs' width (one-hot, or soft labels: what MSELoss trains a classifier on)
     * count by their arg-max. Refused by the first shape check of this session, which broke training with MSE on
     * one-hot targets; before that they were read by their first column.
     */
    @Test
    void targetRowsOfTheOutputsWidthCountByTheirArgMax() {
        Accuracy acc = new Accuracy(Task.CLASSIFICATION);
        Tensor out = Tensor.of(new float[][] {{0.1f, 0.7f, 0.2f}, {0.9f, 0.05f, 0.05f}, {0.2f, 0.3f, 0.5f}});
        Tensor oneHot = Tensor.of(new float[][] {{0, 1, 0}, {0, 0, 1}, {0, 0, 1}});
        assertEquals(2, acc.correct(out, oneHot));
        Tensor soft = Tensor.of(new float[][] {{0.1f, 0.8f, 0.1f}, {0.6f, 0.2f, 0.2f}, {0.3f, 0.4f, 0.3f}});
        assertEquals(2, acc.correct(out, soft));
        assertEquals(2, acc.correct(out, Tensor.of(new float[] {1, 2, 2})), "class indices count as before");
        ConfusionMatrix m = new ConfusionMatrix(3);
        acc.addTo(m, out, oneHot);
        assertEquals(1, m.count(2, 0));
        assertEquals(1, m.count(1, 1));
        assertEquals(1, m.count(2, 2));
    }

    /**
     * Macro means as scikit-learn's precision_recall_fscore_support(average="macro", zero_division=0): over the classes
     * that occur or are predicted (not class 2), a never-predicted class's precision counting 0.
     */
    @Test
    void macroMeansOverTheClassesThatOccurOrArePredicted() {
        ConfusionMatrix m = new ConfusionMatrix(4);
        assertTrue(Double.isNaN(m.macro()[0]) && Double.isNaN(m.macro()[1]) && Double.isNaN(m.macro()[2]));
        int[][] pairs = {{0, 0}, {0, 1}, {1, 1}, {1, 1}, {3, 0}};
        for (int[] p : pairs) {
            m.add(p[0], p[1]);
        }
        // class 0: P 1/2, R 1/2, F1 1/2; class 1: P 2/3, R 1, F1 4/5; class 3: P undefined (0), R 0, F1 0
        assertArrayEquals(new double[] {(0.5 + 2.0 / 3) / 3, 1.5 / 3, 1.3 / 3}, m.macro(), 1e-12);
    }

    /** The table by class index (as ever), and by class name, columns as wide as the longest name plus one. */
    @Test
    void confusionMatrixTableByIndexAndByName() {
        ConfusionMatrix m = new ConfusionMatrix(2);
        m.add(0, 0);
        m.add(0, 1);
        m.add(1, 1);
        assertEquals("""
                true\\pred      0      1   recall
                        0      1      1   0.5000
                        1      0      1   1.0000
                precision 1.0000 0.5000
                """, m.toString());
        assertEquals(m.toString(), m.toString(List.of()));
        assertEquals(" true\\pred    setosa virginica   recall\n"
                + "    setosa         1         1   0.5000\n"
                + " virginica         0         1   1.0000\n"
                + " precision    1.0000    0.5000\n", m.toString(List.of("setosa", "virginica")));
        assertEquals("    true\\pred a-very-long~            b   recall\n"
                + " a-very-long~            1            1   0.5000\n"
                + "            b            0            1   1.0000\n"
                + "    precision       1.0000       0.5000\n", m.toString(List.of("a-very-long-name", "b")));
        // cut to 12 characters both read "churned_202~": as many more as tell them apart
        assertEquals("     true\\pred churned_2024~ churned_2025~   recall\n"
                + " churned_2024~             1             1   0.5000\n"
                + " churned_2025~             0             1   1.0000\n"
                + "     precision        1.0000        0.5000\n", m.toString(List.of("churned_2024_yes", "churned_2025_yes")));
        assertThrows(IllegalArgumentException.class, () -> m.toString(List.of("one")));
    }

    @Test
    void confusionMatrixCountsAndScoresPerClass() {
        // true 0 predicted 0 twice, true 0 predicted 1 once, true 1 predicted 0 once; class 2 never occurs or is
        // predicted, class 3 occurs but is never predicted
        ConfusionMatrix m = new ConfusionMatrix(4);
        m.add(0, 0);
        m.add(0, 0);
        m.add(0, 1);
        m.add(1, 0);
        m.add(3, 0);
        assertEquals(5, m.total());
        assertEquals(2, m.correct());
        assertEquals(3, m.support(0));
        assertEquals(4, m.predicted(0));
        assertEquals(0.5, m.precision(0), 0);
        assertEquals(2.0 / 3, m.recall(0), 1e-15);
        assertEquals(2.0 * 2 / (4 + 3), m.f1(0), 1e-15); // the harmonic mean of 1/2 and 2/3
        assertEquals(0, m.f1(1), 0);
        assertTrue(Double.isNaN(m.f1(2)));
        assertTrue(Double.isNaN(m.precision(3)));
        assertEquals(0, m.f1(3), 0);
    }
}
