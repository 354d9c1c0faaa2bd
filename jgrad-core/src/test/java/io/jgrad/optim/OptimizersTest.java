package io.jgrad.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jgrad.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The optimizers by name: each name builds the optimizer with the settings asked for, as its constructor would. */
class OptimizersTest {
    private static Map<String, Tensor> params() {
        Tensor w = Tensor.of(new float[] {1, -2, 3}).requiresGrad(true);
        w.setGrad(Tensor.of(new float[] {0.5f, 0.25f, -1}));
        return Map.of("w", w);
    }

    /** One step of the named optimizer and of the same one built directly give the same parameter. */
    @Test
    void eachNameBuildsItsOptimizerWithTheSettingsGiven() {
        Map<String, java.util.function.Function<Map<String, Tensor>, Optimizer>> direct = Map.of(
                "sgd", p -> new SGD(p, 0.1, 0.9, 0, 0.01, false),
                "adam", p -> new Adam(p, 0.1, 0.9, 0.999, 1e-8, 0.01, false),
                "adamw", p -> new AdamW(p, 0.1, 0.9, 0.999, 1e-8, 0.01, false),
                "rmsprop", p -> new RMSprop(p, 0.1, 0.99, 1e-8, 0.01, 0.9, false),
                "adagrad", p -> new Adagrad(p, 0.1, 0, 0.01, 0, 1e-10));
        assertEquals(Optimizers.NAMES.size(), direct.size());
        for (String name : Optimizers.NAMES) {
            Map<String, Tensor> a = params(), b = params();
            Optimizer named = Optimizers.create(name, a, 0.1, Optimizers.takesMomentum(name) ? 0.9 : 0, 0.01);
            Optimizer built = direct.get(name).apply(b);
            assertEquals(built.getClass(), named.getClass(), name);
            for (int step = 0; step < 3; step++) {
                named.step();
                built.step();
            }
            assertEquals(List.of(b.get("w").toFloatArray()[0], b.get("w").toFloatArray()[1], b.get("w").toFloatArray()[2]),
                    List.of(a.get("w").toFloatArray()[0], a.get("w").toFloatArray()[1], a.get("w").toFloatArray()[2]), name);
        }
    }

    @Test
    void defaultsAndMomentumAreAsTheCommandLineDocumentsThem() {
        assertEquals(0.05, Optimizers.defaultLr("sgd"));
        assertEquals(0.01, Optimizers.defaultLr("adagrad"));
        assertEquals(0.001, Optimizers.defaultLr("adam"));
        assertEquals(0.01, Optimizers.defaultWeightDecay("adamw"));
        assertEquals(0.0, Optimizers.defaultWeightDecay("adam"));
        assertTrue(Optimizers.takesMomentum("sgd") && Optimizers.takesMomentum("rmsprop"));
        assertFalse(Optimizers.takesMomentum("adam") || Optimizers.takesMomentum("adamw") || Optimizers.takesMomentum("adagrad"));
        assertInstanceOf(SGD.class, Optimizers.create("sgd", params(), 0.1, 0, 0));
        var e = assertThrows(IllegalArgumentException.class, () -> Optimizers.create("lbfgs", params(), 0.1, 0, 0));
        assertEquals("unknown optimizer 'lbfgs'; expected sgd, adam, adamw, rmsprop, adagrad", e.getMessage());
        assertFalse(Optimizers.known("Adam"));
    }

    /** The names as the command lines' messages list them, from the lists that decide. */
    @Test
    void theNamesInWordsAreTheListsInWords() {
        assertEquals("sgd, adam, adamw, rmsprop or adagrad", Optimizers.NAMES_IN_WORDS);
        assertEquals("sgd and rmsprop", Optimizers.WITH_MOMENTUM_IN_WORDS);
        assertTrue(Optimizers.NAMES.containsAll(Optimizers.WITH_MOMENTUM));
    }

    /** An unknown name used to get the others' defaults (0.001, no weight decay) and no momentum, in silence. */
    @Test
    void anUnknownNameIsRefusedByEveryLookUpWithTheNamesAccepted() {
        String expected = "unknown optimizer 'foo'; expected sgd, adam, adamw, rmsprop, adagrad";
        assertEquals(expected, assertThrows(IllegalArgumentException.class, () -> Optimizers.defaultLr("foo")).getMessage());
        assertEquals(expected, assertThrows(IllegalArgumentException.class, () -> Optimizers.defaultWeightDecay("foo")).getMessage());
        assertEquals(expected, assertThrows(IllegalArgumentException.class, () -> Optimizers.takesMomentum("foo")).getMessage());
        // the names are exact, as create takes them
        assertThrows(IllegalArgumentException.class, () -> Optimizers.defaultLr("Adam"));
    }

    @Test
    void aNullNameIsRefusedWithTheNamesAccepted() {
        var e = assertThrows(IllegalArgumentException.class, () -> Optimizers.create(null, params(), 0.1, 0, 0));
        assertEquals("Optimizers.create: name is null; expected sgd, adam, adamw, rmsprop, adagrad", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Optimizers.defaultLr(null));
        assertThrows(IllegalArgumentException.class, () -> Optimizers.defaultWeightDecay(null));
        assertThrows(IllegalArgumentException.class, () -> Optimizers.takesMomentum(null));
        assertFalse(Optimizers.known(null));
    }
}
