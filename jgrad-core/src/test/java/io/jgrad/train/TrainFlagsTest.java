package io.jgrad.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The checks that jgrad train and jgrad train --spark share, in the words both front ends print. */
class TrainFlagsTest {
    /**
     * An --optimizer name is read whatever its case, as both front ends read it, and an unknown one is refused naming
     * the value given: jgrad train said "unknown optimizer; expected ...", jgrad train --spark "unknown optimizer 'foo'".
     */
    @Test
    void anOptimizerIsKnownWhateverItsCaseAndAnUnknownOneIsNamed() {
        assertEquals("adamw", TrainFlags.optimizer("AdamW"));
        assertEquals("sgd", TrainFlags.optimizer("sgd"));
        var e = assertThrows(IllegalArgumentException.class, () -> TrainFlags.optimizer("Foo"));
        assertEquals("--optimizer Foo: unknown optimizer 'Foo'; expected sgd, adam, adamw, rmsprop or adagrad", e.getMessage());
        // a name with blanks around it is no name, as before in both front ends
        assertThrows(IllegalArgumentException.class, () -> TrainFlags.optimizer(" adam"));
    }

    /**
     * The note on a softmax output layer under cross-entropy: one rule (the name as --output-activation reads it, case
     * and blanks around it ignored, as Activations.output parses it) and one wording; jgrad train matched the name
     * exactly and named the model file's layer, jgrad train --spark ignored case and blanks and did not.
     */
    @Test
    void aSoftmaxUnderCrossEntropyIsNotedOnceInOneRule() {
        String note = "--loss cross-entropy applies the softmax itself, to raw scores, and the network already ends with one,"
                + " so it is applied twice: learning is slower and the loss higher than they should be; leave out"
                + " --output-activation softmax (or the model file's last softmax layer)";
        assertEquals(note, TrainFlags.softmaxTwice("cross-entropy", "softmax"));
        assertEquals(note, TrainFlags.softmaxTwice("cross-entropy", " Softmax "));
        assertNull(TrainFlags.softmaxTwice("cross-entropy", "logsoftmax"));
        assertNull(TrainFlags.softmaxTwice("cross-entropy", "none"));
        assertNull(TrainFlags.softmaxTwice("mse", "softmax"));
    }
}
