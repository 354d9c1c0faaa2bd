package io.jgrad.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.jgrad.tensor.Tensor;
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
}
