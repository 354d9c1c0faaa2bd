package io.jgrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jgrad.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Schedules checked against hand-computed rates; PyTorch parity is in {@link TorchParityTest}. */
class LrSchedulerTest {
    private static SGD optimizer(double lr) {
        return new SGD(List.of(Tensor.zeros(1).requiresGrad(true)), lr);
    }

    private static double[] rates(LrScheduler s, Optimizer opt, int steps) {
        double[] out = new double[steps + 1];
        out[0] = opt.lr();
        for (int i = 1; i <= steps; i++) {
            s.step();
            out[i] = opt.lr();
            assertEquals(out[i], s.lr());
        }
        return out;
    }

    @Test
    void loadStateDictNamesANullStateOrValue() {
        // bug: a null state failed with a NullPointerException, and a key holding null was reported as "missing"
        // beside a list of the keys present that named it
        SGD opt = optimizer(0.1);
        StepLR s = new StepLR(opt, 2);
        ReduceLROnPlateau p = new ReduceLROnPlateau(opt, ReduceLROnPlateau.Mode.MIN);
        assertEquals("StepLR.loadStateDict: state is null; pass a map such as stateDict() returns",
                assertThrows(IllegalArgumentException.class, () -> s.loadStateDict(null)).getMessage());
        assertEquals("ReduceLROnPlateau.loadStateDict: state is null; pass a map such as stateDict() returns",
                assertThrows(IllegalArgumentException.class, () -> p.loadStateDict(null)).getMessage());
        for (String key : List.of("last_epoch", "base_lr", "last_lr")) {
            Map<String, Double> state = new java.util.HashMap<>(s.stateDict());
            state.put(key, null);
            var e = assertThrows(IllegalArgumentException.class, () -> s.loadStateDict(state));
            assertTrue(e.getMessage().startsWith("StepLR.loadStateDict: '" + key + "' is null"), e.getMessage());
        }
        for (String key : List.of("best", "num_bad_epochs", "cooldown_counter", "last_epoch")) {
            Map<String, Double> state = new java.util.HashMap<>(p.stateDict());
            state.put(key, null);
            var e = assertThrows(IllegalArgumentException.class, () -> p.loadStateDict(state));
            assertTrue(e.getMessage().startsWith("ReduceLROnPlateau.loadStateDict: '" + key + "' is null"),
                    e.getMessage());
        }
        Map<String, Double> noBest = new java.util.HashMap<>(p.stateDict());
        noBest.remove("best");
        var e = assertThrows(IllegalArgumentException.class, () -> p.loadStateDict(noBest));
        assertTrue(e.getMessage().startsWith("ReduceLROnPlateau.loadStateDict: missing 'best'"), e.getMessage());
    }

    @Test
    void loadStateDictRefusesValuesNoScheduleCanHave() {
        // bug: a NaN or negative base_lr, last_lr or last_epoch was taken as it was: lr() answered NaN, and the next
        // step failed in setLr ("SGD: lr = NaN is invalid") or set a rate from a negative epoch, far from the state
        // that caused it; ReduceLROnPlateau took a NaN best (every comparison false: never a plateau) and negative
        // counters alike
        SGD opt = optimizer(0.1);
        ExponentialLR s = new ExponentialLR(opt, 0.5);
        s.step();
        Map<String, Double> good = s.stateDict();
        for (var bad : List.of(Map.entry("base_lr", Double.NaN), Map.entry("last_lr", -0.1), Map.entry("last_epoch", -1.0),
                Map.entry("last_epoch", 2.5), Map.entry("base_lr", Double.POSITIVE_INFINITY))) {
            var state = new java.util.HashMap<>(good);
            state.put(bad.getKey(), bad.getValue());
            var e = assertThrows(IllegalArgumentException.class, () -> s.loadStateDict(state));
            assertTrue(e.getMessage().startsWith("ExponentialLR.loadStateDict: " + bad.getKey() + " = " + bad.getValue()
                    + " is invalid"), e.getMessage());
        }
        assertEquals(good, s.stateDict(), "a refused state changes nothing");
        s.loadStateDict(good);
        ReduceLROnPlateau p = new ReduceLROnPlateau(opt, ReduceLROnPlateau.Mode.MIN);
        Map<String, Double> fresh = p.stateDict();
        for (var bad : List.of(Map.entry("best", Double.NaN), Map.entry("num_bad_epochs", -2.0),
                Map.entry("cooldown_counter", 0.5), Map.entry("last_epoch", -1.0))) {
            var state = new java.util.HashMap<>(fresh);
            state.put(bad.getKey(), bad.getValue());
            var e = assertThrows(IllegalArgumentException.class, () -> p.loadStateDict(state));
            assertTrue(e.getMessage().startsWith("ReduceLROnPlateau.loadStateDict: " + bad.getKey()), e.getMessage());
        }
        assertEquals(fresh, p.stateDict());
        p.loadStateDict(fresh); // best is infinite before the first epoch
    }

    @Test
    void loadStateDictRefusesAStateOfAnotherScheduleOrSettings() {
        // bug: a StepLR state loaded into a CosineAnnealingLR because the keys matched, and a MIN plateau's state
        // (best = +inf) into a MAX one, whose metric then never improved on it; PyTorch saves the kind and settings
        SGD opt = optimizer(0.1);
        StepLR step = new StepLR(opt, 3, 0.5);
        step.step();
        var e = assertThrows(IllegalArgumentException.class, () -> new CosineAnnealingLR(opt, 10).loadStateDict(step.stateDict()));
        assertEquals("CosineAnnealingLR.loadStateDict: the state was saved from StepLR (key 'StepLR.step_size'), not from"
                + " CosineAnnealingLR; load it into a new StepLR with the options it was saved with", e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> new StepLR(opt, 3, 0.1).loadStateDict(step.stateDict()));
        assertTrue(e2.getMessage().startsWith("StepLR.loadStateDict: the state was saved with gamma = 0.5 but this StepLR"
                + " has gamma = 0.1"), e2.getMessage());
        var e3 = assertThrows(IllegalArgumentException.class, () -> new CosineAnnealingLR(opt, 6)
                .loadStateDict(new CosineAnnealingLR(opt, 3).stateDict()));
        assertTrue(e3.getMessage().contains("saved with T_max = 3 but this CosineAnnealingLR has T_max = 6"), e3.getMessage());

        var min = new ReduceLROnPlateau(opt, ReduceLROnPlateau.Mode.MIN);
        var max = new ReduceLROnPlateau(opt, ReduceLROnPlateau.Mode.MAX);
        var e4 = assertThrows(IllegalArgumentException.class, () -> max.loadStateDict(min.stateDict()));
        assertEquals("ReduceLROnPlateau.loadStateDict: the state was saved with mode = min but this ReduceLROnPlateau has"
                + " mode = max; create the ReduceLROnPlateau with the options the state was saved with", e4.getMessage());
        assertEquals(Double.NEGATIVE_INFINITY, max.stateDict().get("best"), "a rejected state changes nothing");
        var e5 = assertThrows(IllegalArgumentException.class, () -> max.loadStateDict(step.stateDict()));
        assertTrue(e5.getMessage().startsWith("ReduceLROnPlateau.loadStateDict: the state was saved from StepLR"), e5.getMessage());
        var e6 = assertThrows(IllegalArgumentException.class, () -> new ExponentialLR(opt, 0.9).loadStateDict(min.stateDict()));
        assertTrue(e6.getMessage().startsWith("ExponentialLR.loadStateDict: the state was saved from ReduceLROnPlateau"),
                e6.getMessage());
        Map<String, Double> nulled = new java.util.HashMap<>(step.stateDict());
        nulled.put("StepLR.gamma", null);
        var e7 = assertThrows(IllegalArgumentException.class, () -> new StepLR(opt, 3, 0.5).loadStateDict(nulled));
        assertEquals("StepLR.loadStateDict: 'StepLR.gamma' is null; a setting is a number", e7.getMessage());
    }

    /** A schedule without settings: the rate stays where it is. */
    static final class Constant extends EpochScheduler {
        Constant(Optimizer optimizer) {
            super(optimizer);
        }

        @Override
        Map<String, Double> options() {
            return Map.of();
        }

        @Override
        double nextLr(double currentLr) {
            return currentLr;
        }
    }

    @Test
    void aScheduleWithoutSettingsRecordsItsKindAndRefusesAnotherKindsState() {
        // as an Optimizer without options (fc0dfcb): it recorded only its counters, so nothing said whose state it was
        // and a StepLR took it without a word
        SGD opt = optimizer(0.1);
        Constant constant = new Constant(opt);
        constant.step();
        assertEquals(List.of("last_epoch", "base_lr", "last_lr", "Constant"), List.copyOf(constant.stateDict().keySet()));
        Constant again = new Constant(opt);
        again.loadStateDict(constant.stateDict());
        assertEquals(1.0, again.stateDict().get("last_epoch"));
        var e = assertThrows(IllegalArgumentException.class, () -> new StepLR(opt, 3).loadStateDict(constant.stateDict()));
        assertEquals("StepLR.loadStateDict: the state was saved from Constant (key 'Constant'), not from StepLR; load it"
                + " into a new Constant with the options it was saved with", e.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class, () -> new ReduceLROnPlateau(opt, ReduceLROnPlateau.Mode.MIN)
                .loadStateDict(constant.stateDict()));
        assertTrue(e2.getMessage().startsWith("ReduceLROnPlateau.loadStateDict: the state was saved from Constant (key"
                + " 'Constant')"), e2.getMessage());
        var e3 = assertThrows(IllegalArgumentException.class, () -> new Constant(opt).loadStateDict(new StepLR(opt, 3).stateDict()));
        assertTrue(e3.getMessage().startsWith("Constant.loadStateDict: the state was saved from StepLR (key 'StepLR.step_size')"),
                e3.getMessage());
    }

    @Test
    void anAnonymousScheduleRecordsNoKindAndTakesItsOwnStateBack() {
        // an anonymous class has no name to record: it saved its settings as ".scale"
        SGD opt = optimizer(0.1);
        java.util.function.Supplier<EpochScheduler> make = () -> new EpochScheduler(opt) {
            @Override
            Map<String, Double> options() {
                return Map.of("scale", 2.0);
            }

            @Override
            double nextLr(double currentLr) {
                return currentLr / 2;
            }
        };
        EpochScheduler anonymous = make.get();
        anonymous.step();
        assertEquals(List.of("last_epoch", "base_lr", "last_lr"), List.copyOf(anonymous.stateDict().keySet()));
        EpochScheduler again = make.get();
        again.loadStateDict(anonymous.stateDict());
        assertEquals(1.0, again.stateDict().get("last_epoch"));
        var e = assertThrows(IllegalArgumentException.class, () -> make.get().loadStateDict(new StepLR(opt, 3).stateDict()));
        assertTrue(e.getMessage().contains("the state was saved from StepLR (key 'StepLR.step_size')"), e.getMessage());
    }

    @Test
    void loadStateDictTakesAScheduleStateWithoutSettingsAsBefore() {
        SGD opt = optimizer(0.1);
        StepLR step = new StepLR(opt, 3, 0.5);
        step.step();
        Map<String, Double> legacy = new java.util.LinkedHashMap<>(step.stateDict());
        legacy.keySet().removeIf(k -> k.contains("."));
        CosineAnnealingLR cosine = new CosineAnnealingLR(opt, 10);
        cosine.loadStateDict(legacy); // unchecked, as before the settings were recorded
        assertEquals(1.0, cosine.stateDict().get("last_epoch"));
        var min = new ReduceLROnPlateau(opt, ReduceLROnPlateau.Mode.MIN);
        Map<String, Double> plateau = new java.util.LinkedHashMap<>(min.stateDict());
        plateau.keySet().removeIf(k -> k.contains("."));
        new ReduceLROnPlateau(opt, ReduceLROnPlateau.Mode.MAX).loadStateDict(plateau);
        assertEquals(List.of("last_epoch", "base_lr", "last_lr", "StepLR.step_size", "StepLR.gamma"),
                List.copyOf(step.stateDict().keySet()));
    }

    @Test
    void stepLrHalvesEveryTwoEpochs() {
        SGD opt = optimizer(1.0);
        assertArrayEquals(new double[] {1, 1, 0.5, 0.5, 0.25, 0.25, 0.125}, rates(new StepLR(opt, 2, 0.5), opt, 6));
    }

    @Test
    void exponentialLrIsGeometric() {
        SGD opt = optimizer(2.0);
        assertArrayEquals(new double[] {2, 1, 0.5, 0.25}, rates(new ExponentialLR(opt, 0.5), opt, 3));
    }

    @Test
    void cosineFollowsTheClosedFormOverTwoPeriods() {
        int tMax = 6;
        double base = 0.3, etaMin = 0.01;
        SGD opt = optimizer(base);
        double[] got = rates(new CosineAnnealingLR(opt, tMax, etaMin), opt, 2 * tMax + 3);
        for (int e = 0; e < got.length; e++) {
            double closed = etaMin + (base - etaMin) * (1 + Math.cos(Math.PI * e / tMax)) / 2;
            assertEquals(closed, got[e], 1e-12, "epoch " + e);
        }
        assertEquals(etaMin, got[tMax], 1e-12);
        assertEquals(base, got[2 * tMax], 1e-12);
    }

    @Test
    void plateauReducesAfterPatienceRunsOut() {
        SGD opt = optimizer(1.0);
        var s = new ReduceLROnPlateau(opt, ReduceLROnPlateau.Mode.MIN, 0.5, 1, 1e-4, 0, 0);
        double[] metrics = {1, 1, 1, 0.5, 0.6, 0.7, 0.8};
        double[] expected = {1, 1, 0.5, 0.5, 0.5, 0.25, 0.25};
        for (int i = 0; i < metrics.length; i++) {
            s.step(metrics[i]);
            assertEquals(expected[i], opt.lr(), "epoch " + (i + 1));
        }
        // 0.49996 is not below best * (1 - 1e-4) = 0.49995: not an improvement
        s.step(0.49996);
        s.step(0.49996);
        assertEquals(0.125, opt.lr());
    }

    @Test
    void plateauCooldownAndMinLr() {
        SGD opt = optimizer(1.0);
        var s = new ReduceLROnPlateau(opt, ReduceLROnPlateau.Mode.MAX, 0.5, 0, 1e-4, 2, 0.3);
        double[] expected = {1, 0.5, 0.5, 0.5, 0.3, 0.3, 0.3, 0.3};
        for (int i = 0; i < expected.length; i++) {
            s.step(1.0);
            assertEquals(expected[i], opt.lr(), "epoch " + (i + 1));
        }
        assertThrows(IllegalArgumentException.class, () -> new ReduceLROnPlateau(opt, ReduceLROnPlateau.Mode.MIN, 1.0, 1, 0, 0, 0));
    }

    @Test
    void schedulersResumeFromStateDict() {
        List<Function<Optimizer, LrScheduler>> makers = List.of(o -> new StepLR(o, 3), o -> new ExponentialLR(o, 0.9),
                o -> new CosineAnnealingLR(o, 5, 0.001));
        for (var make : makers) {
            SGD a = optimizer(0.2);
            double[] straight = rates(make.apply(a), a, 12);

            SGD b = optimizer(0.2);
            LrScheduler first = make.apply(b);
            for (int i = 0; i < 4; i++) {
                first.step();
            }
            Map<String, Double> saved = first.stateDict();
            var optState = b.stateDict();
            SGD c = optimizer(0.2);
            c.loadStateDict(optState);
            LrScheduler resumed = make.apply(c);
            resumed.loadStateDict(saved);
            for (int i = 5; i <= 12; i++) {
                resumed.step();
                assertEquals(straight[i], c.lr(), first.getClass().getSimpleName() + " epoch " + i);
            }
        }
        SGD opt = optimizer(1);
        var p = new ReduceLROnPlateau(opt, ReduceLROnPlateau.Mode.MIN, 0.5, 1, 1e-4, 0, 0);
        p.step(1);
        p.step(2);
        var q = new ReduceLROnPlateau(opt, ReduceLROnPlateau.Mode.MIN, 0.5, 1, 1e-4, 0, 0);
        q.loadStateDict(p.stateDict());
        q.step(2); // second bad epoch in a row: reduces only if the count was restored
        assertEquals(0.5, opt.lr());
        var e = assertThrows(IllegalArgumentException.class, () -> q.loadStateDict(Map.of()));
        assertTrue(e.getMessage().contains("best"), e.getMessage());
    }
}
