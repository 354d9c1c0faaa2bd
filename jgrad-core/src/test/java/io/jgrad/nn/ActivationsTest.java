package io.jgrad.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Activations by name: unknown names give null (the callers' test), a null name is an argument error that lists the names. */
class ActivationsTest {
    @Test
    void namesBuildTheirModulesAndUnknownNamesGiveNull() {
        assertInstanceOf(LeakyReLU.class, Activations.hidden(" Leaky-ReLU:0.1 "));
        assertInstanceOf(Softmax.class, Activations.output("softmax"));
        assertNull(Activations.hidden("swish"));
        assertNull(Activations.hidden("relu:2"));
        assertNull(Activations.output("tanh"));
    }

    @Test
    void aNullNameIsRefusedWithTheNamesAccepted() {
        var e = assertThrows(IllegalArgumentException.class, () -> Activations.hidden(null));
        assertEquals("Activations.hidden: spec is null; expected one of " + Activations.HIDDEN_NAMES, e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Activations.output(null));
        assertEquals("Activations.output: spec is null; expected one of " + Activations.OUTPUT_NAMES, e.getMessage());
    }

    /** The null an unknown name gives reaches Sequential.add, whose message points back at the names. */
    @Test
    void sequentialSaysWhereANullModuleUsuallyComesFrom() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new Sequential(new Linear(2, 3), Activations.hidden("swish"), new Linear(3, 1)));
        assertTrue(e.getMessage().startsWith("Sequential.add: module 1 is null (Activations.hidden and Activations.output"
                + " return null for an unknown name; hidden: relu, sigmoid, tanh"), e.getMessage());
    }
}
