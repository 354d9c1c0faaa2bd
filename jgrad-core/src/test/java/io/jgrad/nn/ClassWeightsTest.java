package io.jgrad.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The class-weights rule jgrad train and jgrad-spark share, and its words. */
class ClassWeightsTest {

    private static String problem(org.junit.jupiter.api.function.Executable e) {
        return assertThrows(IllegalArgumentException.class, e).getMessage();
    }

    @Test
    void balancedIsScikitLearnsNOverKTimesTheClassCount() {
        assertArrayEquals(new double[] {6.0 / (3 * 3), 6.0 / (3 * 2), 6.0 / 3}, ClassWeights.balanced(new long[] {3, 2, 1}, List.of()), 1e-15);
        assertEquals("class 1 ('b') has no training sample, so its weight n / (K * n_c) would be infinite; give one weight"
                + " per class instead, e.g. 1,1,1", problem(() -> ClassWeights.balanced(new long[] {3, 0, 1}, List.of("a", "b", "c"))));
        assertTrue(ClassWeights.isBalanced(" Balanced "));
        assertFalse(ClassWeights.isBalanced("1,2"));
    }

    @Test
    void listedWeightsAreParsedAndChecked() {
        assertEquals(List.of(1.0, "x", 0.5), ClassWeights.parse("1, x ,0.5"));
        assertArrayEquals(new double[] {1, 0, 2.5}, ClassWeights.check(ClassWeights.parse("1,0,2.5"), 3, List.of()));
        assertEquals("2 weights for the 3 classes; expected one per class, in the order 'a', 'b', 'c'",
                problem(() -> ClassWeights.check(List.of(1.0, 2.0), 3, List.of("a", "b", "c"))));
        assertEquals("1 weight for the 2 classes; expected one per class", problem(() -> ClassWeights.check(List.of(1.0), 2, List.of())));
        assertEquals("weight 1 is -1.0; expected a finite number >= 0", problem(() -> ClassWeights.checkValues(List.of(1.0, -1.0))));
        assertEquals("weight 0 is the string \"x\"; expected a finite number >= 0", problem(() -> ClassWeights.checkValues(List.of("x"))));
        assertEquals("weight 0 is Infinity; expected a finite number >= 0",
                problem(() -> ClassWeights.checkValues(List.of(Double.POSITIVE_INFINITY))));
        assertEquals("every weight is 0, so no sample would count; expected one above 0",
                problem(() -> ClassWeights.checkValues(List.of(0.0, 0.0))));
    }
}
