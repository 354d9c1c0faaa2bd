package io.jgrad.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.jgrad.tensor.DType;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** State save and restore, argument checks and the bookkeeping shared by all optimizers. */
class OptimizerStateTest {
    static final List<Function<List<Tensor>, Optimizer>> ALL = List.of(
            ps -> new SGD(ps, 0.1),
            ps -> new SGD(ps, 0.05, 0.9, 0, 0.01, true),
            ps -> new Adam(ps, 0.01, 0.9, 0.999, 1e-8, 0.01, true),
            ps -> new AdamW(ps, 0.01),
            ps -> new RMSprop(ps, 0.01, 0.9, 1e-8, 0.01, 0.5, true),
            ps -> new Adagrad(ps, 0.1, 0.01, 0.01, 0.1, 1e-10));

    private static List<Tensor> freshParams() {
        Generator gen = new Generator(5);
        return List.of(Tensor.randn(gen, 3, 4).requiresGrad(true), Tensor.randn(gen, 4).requiresGrad(true),
                Tensor.randn(gen, 2).requiresGrad(true));
    }

    /** One step on sum(tanh((x * b) W^T)); the third parameter gets a gradient only on even steps. */
    private static void trainStep(Optimizer opt, List<Tensor> ps, int step) {
        Tensor x = Tensor.of(new float[] {0.5f, -1f, 0.25f, 2f, 1f, 0.5f, -0.5f, 0.1f}, 2, 4);
        opt.zeroGrad();
        Tensor loss = x.mul(ps.get(1)).matmul(ps.get(0).t()).tanh().sum();
        if (step % 2 == 0) {
            loss = loss.add(ps.get(2).mul(ps.get(2)).sum());
        }
        loss.backward();
        opt.step();
    }

    /** Copies every tensor through plain arrays, as a checkpoint file would. */
    private static Map<String, Tensor> throughArrays(Map<String, Tensor> dict) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        dict.forEach((k, t) -> out.put(k, t.dtype() == DType.FLOAT32 ? Tensor.of(t.toFloatArray(), t.shape())
                : Tensor.of(t.toDoubleArray(), t.shape())));
        return out;
    }

    @Test
    void resumingFromStateDictContinuesBitwise() {
        for (var make : ALL) {
            List<Tensor> straight = freshParams();
            Optimizer a = make.apply(straight);
            for (int s = 0; s < 7; s++) {
                trainStep(a, straight, s);
            }

            List<Tensor> first = freshParams();
            Optimizer b = make.apply(first);
            for (int s = 0; s < 3; s++) {
                trainStep(b, first, s);
            }
            Map<String, Tensor> saved = throughArrays(b.stateDict());
            List<Tensor> resumed = first.stream().map(p -> Tensor.of(p.toFloatArray(), p.shape()).requiresGrad(true)).toList();
            Optimizer c = make.apply(resumed);
            c.loadStateDict(saved);
            assertEquals(3, c.stepCount());
            for (int s = 3; s < 7; s++) {
                trainStep(c, resumed, s);
            }
            String name = a.getClass().getSimpleName();
            for (int i = 0; i < straight.size(); i++) {
                assertArrayEquals(straight.get(i).toFloatArray(), resumed.get(i).toFloatArray(), name + " param " + i);
            }
            assertEquals(a.stateDict().keySet(), c.stateDict().keySet(), name);
        }
    }

    @Test
    void stridedParametersAreUpdatedAsContiguousOnes() {
        // a transposed leaf (PyTorch's optimizers take non-contiguous parameters too): the same steps, bit for bit,
        // as on a contiguous copy, and its storage, seen through the view, holds the result; SGD with plain momentum
        // too (its fused update, where ALL's SGD has Nesterov's)
        List<Function<List<Tensor>, Optimizer>> all = new java.util.ArrayList<>(ALL);
        all.add(ps -> new SGD(ps, 0.05, 0.9));
        for (var make : all) {
            List<Tensor> plain = freshParams();
            Tensor base = plain.get(0).detach().t().contiguous(); // [4, 3]: its transpose has plain's values
            List<Tensor> strided = List.of(base.t().requiresGrad(true), plain.get(1).detach().copy().requiresGrad(true),
                    plain.get(2).detach().copy().requiresGrad(true));
            Optimizer a = make.apply(plain), b = make.apply(strided);
            for (int step = 0; step < 4; step++) {
                trainStep(a, plain, step);
                trainStep(b, strided, step);
                for (int i = 0; i < 3; i++) {
                    assertArrayEquals(plain.get(i).toFloatArray(), strided.get(i).toFloatArray(), 0f,
                            a.getClass().getSimpleName() + ", step " + step + ", parameter " + i);
                }
            }
            assertArrayEquals(plain.get(0).t().toFloatArray(), base.toFloatArray(), 0f, "the view's storage");
        }
    }

    @Test
    void stateDictNamesBuffersLikePyTorch() {
        List<Tensor> ps = freshParams();
        Adam adam = new Adam(ps, 0.01, 0.9, 0.999, 1e-8, 0, true);
        List<String> options = List.of("Adam.beta1", "Adam.beta2", "Adam.eps", "Adam.weight_decay", "Adam.amsgrad");
        assertEquals(cat(List.of("step", "lr"), options), List.copyOf(adam.stateDict().keySet()));
        trainStep(adam, ps, 1); // odd step: param 2 has no gradient, so no state
        assertEquals(cat(List.of("step", "lr"), options, List.of("0.step", "0.exp_avg", "0.exp_avg_sq", "0.max_exp_avg_sq",
                "1.step", "1.exp_avg", "1.exp_avg_sq", "1.max_exp_avg_sq")), List.copyOf(adam.stateDict().keySet()));
        Map<String, Tensor> dict = adam.stateDict();
        assertEquals(1.0, dict.get("step").item());
        assertEquals(0.01, dict.get("lr").item());
        assertEquals(DType.FLOAT64, dict.get("lr").dtype());
        assertArrayEquals(new int[] {3, 4}, dict.get("0.exp_avg").shape());
        // copies: a later step leaves the saved dict alone
        float[] before = dict.get("0.exp_avg").toFloatArray();
        trainStep(adam, ps, 2);
        assertArrayEquals(before, dict.get("0.exp_avg").toFloatArray());

        assertEquals(1.0, dict.get("Adam.amsgrad").item());
        assertEquals(0.999, dict.get("Adam.beta2").item());
        SGD plain = new SGD(ps, 0.1);
        trainStep(plain, ps, 0);
        assertEquals(List.of("step", "lr", "SGD.momentum", "SGD.dampening", "SGD.weight_decay", "SGD.nesterov"),
                List.copyOf(plain.stateDict().keySet()));
        SGD momentum = new SGD(ps, 0.1, 0.9);
        trainStep(momentum, ps, 0);
        assertTrue(momentum.stateDict().containsKey("2.momentum_buffer"));
    }

    @Test
    void loadStateDictRejectsMismatchesWithClearMessages() {
        List<Tensor> ps = freshParams();
        Adam adam = new Adam(ps);
        trainStep(adam, ps, 0);
        Map<String, Tensor> good = adam.stateDict();

        Map<String, Tensor> wrongShape = new LinkedHashMap<>(good);
        wrongShape.put("0.exp_avg", Tensor.zeros(4, 3));
        var e1 = assertThrows(IllegalArgumentException.class, () -> new Adam(freshParams()).loadStateDict(wrongShape));
        assertTrue(e1.getMessage().contains("'0.exp_avg'") && e1.getMessage().contains("[4, 3]")
                && e1.getMessage().contains("[3, 4]"), e1.getMessage());

        Map<String, Tensor> unknown = new LinkedHashMap<>(good);
        unknown.put("0.momentum_buffer", Tensor.zeros(3, 4));
        var e2 = assertThrows(IllegalArgumentException.class, () -> new Adam(freshParams()).loadStateDict(unknown));
        assertTrue(e2.getMessage().contains("'0.momentum_buffer'"), e2.getMessage());

        Map<String, Tensor> outOfRange = new LinkedHashMap<>(good);
        outOfRange.put("7.exp_avg", Tensor.zeros(3, 4));
        assertThrows(IllegalArgumentException.class, () -> new Adam(freshParams()).loadStateDict(outOfRange));

        Map<String, Tensor> missing = new LinkedHashMap<>(good);
        missing.remove("1.exp_avg_sq");
        Adam target = new Adam(freshParams());
        var e3 = assertThrows(IllegalArgumentException.class, () -> target.loadStateDict(missing));
        assertTrue(e3.getMessage().contains("'1.exp_avg_sq'"), e3.getMessage());
        assertEquals(0, target.stepCount(), "a rejected dict changes nothing");

        Map<String, Tensor> noLr = new LinkedHashMap<>(good);
        noLr.remove("lr");
        var e4 = assertThrows(IllegalArgumentException.class, () -> new Adam(freshParams()).loadStateDict(noLr));
        assertTrue(e4.getMessage().contains("'lr'"), e4.getMessage());

        // bug: step counts were taken as they were: a NaN '0.step' made Adam's bias correction, and with it every later
        // update of parameter 0, NaN; a NaN 'step' became 0 (Math.round)
        for (String key : List.of("step", "0.step", "2.step")) {
            for (double bad : new double[] {Double.NaN, -1, 1.5, Double.POSITIVE_INFINITY}) {
                Map<String, Tensor> count = new LinkedHashMap<>(good);
                count.put(key, Tensor.scalar(DType.FLOAT64, bad));
                Adam fresh = new Adam(freshParams());
                var e5 = assertThrows(IllegalArgumentException.class, () -> fresh.loadStateDict(count), key + " = " + bad);
                assertTrue(e5.getMessage().contains("'" + key + "' = " + bad + " is invalid"), e5.getMessage());
                assertEquals(0, fresh.stepCount(), "a rejected dict changes nothing");
            }
        }
    }

    @SafeVarargs
    private static List<String> cat(List<String>... parts) {
        return java.util.Arrays.stream(parts).flatMap(List::stream).toList();
    }

    @Test
    void loadStateDictRefusesAStateSavedWithOtherOptions() {
        // bug: SGD(momentum = 0.9)'s state loaded into SGD(momentum = 0.5) was taken silently and 0.5 used from then on;
        // PyTorch restores the saved options (param_groups), jgrad now names both and refuses
        List<Tensor> ps = freshParams();
        SGD saved = new SGD(ps, 0.1, 0.9);
        trainStep(saved, ps, 0);
        Map<String, Tensor> dict = saved.stateDict();
        SGD other = new SGD(freshParams(), 0.1, 0.5);
        var e = assertThrows(IllegalArgumentException.class, () -> other.loadStateDict(dict));
        assertEquals("SGD.loadStateDict: the state was saved with momentum = 0.9 but this SGD has momentum = 0.5;"
                + " create the SGD with the options the state was saved with", e.getMessage());
        assertEquals(0, other.stepCount(), "a rejected dict changes nothing");
        SGD nesterov = new SGD(freshParams(), 0.1, 0.9, 0, 1e-4, true);
        var e2 = assertThrows(IllegalArgumentException.class, () -> nesterov.loadStateDict(dict));
        assertTrue(e2.getMessage().contains("saved with weight_decay = 0, nesterov = 0 but this SGD has weight_decay = 1.0E-4,"
                + " nesterov = 1"), e2.getMessage());
        // a flag that only changes the state's buffers: named as an option, not as an unexpected buffer
        Adam amsgrad = new Adam(ps, 0.01, 0.9, 0.999, 1e-8, 0, true);
        trainStep(amsgrad, ps, 0);
        var e3 = assertThrows(IllegalArgumentException.class, () -> new Adam(freshParams()).loadStateDict(amsgrad.stateDict()));
        assertTrue(e3.getMessage().contains("saved with amsgrad = 1 but this Adam has amsgrad = 0"), e3.getMessage());

        SGD same = new SGD(freshParams(), 0.1, 0.9);
        same.loadStateDict(dict);
        assertEquals(1, same.stepCount());
    }

    @Test
    void loadStateDictRefusesAStateOfAnotherKind() {
        // bug: AdamW's state (same buffers as Adam's) loaded into an Adam, and a plain SGD's (no buffers) into anything
        List<Tensor> ps = freshParams();
        AdamW adamw = new AdamW(ps, 0.01);
        trainStep(adamw, ps, 0);
        var e = assertThrows(IllegalArgumentException.class, () -> new Adam(freshParams(), 0.01).loadStateDict(adamw.stateDict()));
        assertEquals("Adam.loadStateDict: the state was saved from AdamW (key 'AdamW.beta1'), not from Adam; load it into"
                + " a new AdamW with the options it was saved with", e.getMessage());
        SGD plain = new SGD(ps, 0.1);
        trainStep(plain, ps, 0);
        var e2 = assertThrows(IllegalArgumentException.class, () -> new RMSprop(freshParams()).loadStateDict(plain.stateDict()));
        assertTrue(e2.getMessage().startsWith("RMSprop.loadStateDict: the state was saved from SGD (key 'SGD.momentum')"),
                e2.getMessage());
        for (var make : ALL) { // each kind takes its own state back
            List<Tensor> own = freshParams();
            Optimizer o = make.apply(own);
            trainStep(o, own, 0);
            Optimizer fresh = make.apply(freshParams());
            fresh.loadStateDict(o.stateDict());
            assertEquals(1, fresh.stepCount());
        }
    }

    /** A user's optimizer without options: plain gradient descent, p -= lr * g, with no state but the counters. */
    static final class Descent extends Optimizer {
        Descent(List<Tensor> params, double lr) {
            super(params, lr);
        }

        @Override
        protected void update(Tensor param, Tensor grad, Map<String, Tensor> state) {
            param.add_(grad, -lr());
        }

        @Override
        protected List<String> stateNames() {
            return List.of();
        }
    }

    /** Another user's optimizer without options, with SGD's buffer name: gradient descent with a running sum. */
    static final class Accumulating extends Optimizer {
        Accumulating(List<Tensor> params, double lr) {
            super(params, lr);
        }

        @Override
        protected void update(Tensor param, Tensor grad, Map<String, Tensor> state) {
            Tensor sum = state.computeIfAbsent("momentum_buffer", k -> param.zerosLike());
            sum.add_(grad, 1);
            param.add_(sum, -lr());
        }

        @Override
        protected List<String> stateNames() {
            return List.of("momentum_buffer");
        }
    }

    @Test
    void aSubclassWithoutOptionsRecordsItsKindAndRefusesAnotherKindsState() {
        // bug: a user's optimizer recorded no options, so nothing said whose state it was: a Descent's state loaded
        // into an SGD, and an Accumulating's (SGD's buffer name) into an SGD with momentum, without a word
        List<Tensor> ps = freshParams();
        Descent sign = new Descent(ps, 0.01);
        trainStep(sign, ps, 0);
        assertEquals(List.of("step", "lr", "Descent"), List.copyOf(sign.stateDict().keySet()));
        var e = assertThrows(IllegalArgumentException.class, () -> new SGD(freshParams(), 0.1).loadStateDict(sign.stateDict()));
        assertEquals("SGD.loadStateDict: the state was saved from Descent (key 'Descent'), not from SGD; load it"
                + " into a new Descent with the options it was saved with", e.getMessage());
        List<Tensor> qs = freshParams();
        Accumulating acc = new Accumulating(qs, 0.01);
        trainStep(acc, qs, 0);
        var e2 = assertThrows(IllegalArgumentException.class,
                () -> new SGD(freshParams(), 0.1, 0.9).loadStateDict(acc.stateDict()));
        assertTrue(e2.getMessage().startsWith("SGD.loadStateDict: the state was saved from Accumulating (key 'Accumulating')"),
                e2.getMessage());
        var e3 = assertThrows(IllegalArgumentException.class, () -> new Descent(freshParams(), 0.01).loadStateDict(acc.stateDict()));
        assertTrue(e3.getMessage().startsWith("Descent.loadStateDict: the state was saved from Accumulating"), e3.getMessage());
        var e4 = assertThrows(IllegalArgumentException.class,
                () -> new Accumulating(freshParams(), 0.01).loadStateDict(new SGD(ps, 0.1, 0.9).stateDict()));
        assertTrue(e4.getMessage().startsWith("Accumulating.loadStateDict: the state was saved from SGD (key 'SGD.momentum')"),
                e4.getMessage());
        // each takes its own state back, and one saved before kinds were recorded (no marker) as before
        Accumulating back = new Accumulating(freshParams(), 0.01);
        back.loadStateDict(acc.stateDict());
        assertEquals(1, back.stepCount());
        Map<String, Tensor> legacy = new LinkedHashMap<>(acc.stateDict());
        legacy.remove("Accumulating");
        new Accumulating(freshParams(), 0.01).loadStateDict(legacy);
        new Descent(freshParams(), 0.01).loadStateDict(sign.stateDict());
        for (var make : ALL) { // the built-ins' states are as before: their options say their kind
            Optimizer o = make.apply(freshParams());
            assertTrue(o.stateDict().keySet().stream().noneMatch(k -> k.matches("[A-Z][A-Za-z0-9_]*")), o.stateDict().keySet().toString());
        }
    }

    @Test
    void anAnonymousSubclassRecordsNoKindAndTakesItsOwnStateBack() {
        // an anonymous class has no name to record: its options were saved as ".scale", a key its own load refused
        List<Tensor> ps = freshParams();
        java.util.function.Supplier<Optimizer> make = () -> new Optimizer(ps, 0.01) {
            @Override
            protected void update(Tensor param, Tensor grad, Map<String, Tensor> state) {
                param.add_(grad, -2 * lr());
            }

            @Override
            protected List<String> stateNames() {
                return List.of();
            }

            @Override
            protected Map<String, Double> options() {
                return Map.of("scale", 2.0);
            }
        };
        Optimizer anonymous = make.get();
        trainStep(anonymous, ps, 0);
        assertEquals(List.of("step", "lr"), List.copyOf(anonymous.stateDict().keySet()));
        Optimizer again = make.get();
        again.loadStateDict(anonymous.stateDict());
        assertEquals(1, again.stepCount());
        var e = assertThrows(IllegalArgumentException.class, () -> make.get().loadStateDict(new SGD(ps, 0.1).stateDict()));
        assertTrue(e.getMessage().contains("the state was saved from SGD (key 'SGD.momentum')"), e.getMessage());
    }

    @Test
    void loadStateDictTakesAStateWithoutOptionsAsBeforeAndRefusesAPartialOne() {
        List<Tensor> ps = freshParams();
        SGD saved = new SGD(ps, 0.1, 0.9);
        trainStep(saved, ps, 0);
        Map<String, Tensor> legacy = new LinkedHashMap<>(saved.stateDict());
        legacy.keySet().removeIf(k -> k.startsWith("SGD."));
        SGD other = new SGD(freshParams(), 0.1, 0.5); // unchecked, as before options were recorded
        other.loadStateDict(legacy);
        assertEquals(1, other.stepCount());

        Map<String, Tensor> partial = new LinkedHashMap<>(saved.stateDict());
        partial.remove("SGD.nesterov");
        var e = assertThrows(IllegalArgumentException.class, () -> new SGD(freshParams(), 0.1, 0.9).loadStateDict(partial));
        assertTrue(e.getMessage().startsWith("SGD.loadStateDict: missing 'SGD.nesterov'"), e.getMessage());
        Map<String, Tensor> unknown = new LinkedHashMap<>(saved.stateDict());
        unknown.put("SGD.foo", Tensor.scalar(DType.FLOAT64, 1));
        var e2 = assertThrows(IllegalArgumentException.class, () -> new SGD(freshParams(), 0.1, 0.9).loadStateDict(unknown));
        assertTrue(e2.getMessage().startsWith("SGD.loadStateDict: unexpected key 'SGD.foo'"), e2.getMessage());
    }

    @Test
    void loadStateDictNamesANullDictKeyOrValueAndANonFiniteLr() {
        // bug: a null dict, a null key or a null buffer failed with a NullPointerException; a null 'step' or 'lr' was
        // reported as "missing" beside a list of the keys present that held it; a NaN 'lr' failed in setLr as
        // "Adam: lr = NaN is invalid", which named neither loadStateDict nor the key
        List<Tensor> ps = freshParams();
        Adam adam = new Adam(ps);
        trainStep(adam, ps, 0);
        Map<String, Tensor> good = adam.stateDict();
        Adam target = new Adam(freshParams());
        assertEquals("Adam.loadStateDict: dict is null; pass a map such as stateDict() returns",
                assertThrows(IllegalArgumentException.class, () -> target.loadStateDict(null)).getMessage());
        for (String key : List.of("step", "lr", "0.exp_avg", "2.step")) {
            Map<String, Tensor> nulled = new java.util.HashMap<>(good);
            nulled.put(key, null);
            var e = assertThrows(IllegalArgumentException.class, () -> target.loadStateDict(nulled), key);
            assertTrue(e.getMessage().startsWith("Adam.loadStateDict: '" + key + "' is null;"), e.getMessage());
        }
        Map<String, Tensor> nullKey = new java.util.HashMap<>(good);
        nullKey.put(null, Tensor.zeros(3, 4));
        var e = assertThrows(IllegalArgumentException.class, () -> target.loadStateDict(nullKey));
        assertTrue(e.getMessage().startsWith("Adam.loadStateDict: a key is null;"), e.getMessage());
        for (double bad : new double[] {Double.NaN, -0.1, Double.POSITIVE_INFINITY}) {
            Map<String, Tensor> lr = new LinkedHashMap<>(good);
            lr.put("lr", Tensor.scalar(DType.FLOAT64, bad));
            var e2 = assertThrows(IllegalArgumentException.class, () -> target.loadStateDict(lr), "lr = " + bad);
            assertEquals("Adam.loadStateDict: 'lr' = " + bad + " is invalid; it must be a finite number >= 0",
                    e2.getMessage());
        }
        assertEquals(0, target.stepCount(), "a rejected dict changes nothing");
        assertEquals(Map.of("step", 0.0, "lr", 0.001), Map.of("step", target.stateDict().get("step").item(), "lr",
                target.stateDict().get("lr").item()));
        target.loadStateDict(good);
        assertEquals(1, target.stepCount());
    }

    @Test
    void zeroGradClearsAndStepSkipsParamsWithoutGradient() {
        List<Tensor> ps = freshParams();
        SGD opt = new SGD(ps, 0.1, 0.9);
        float[] third = ps.get(2).toFloatArray();
        trainStep(opt, ps, 1); // param 2 is not in the loss
        assertArrayEquals(third, ps.get(2).toFloatArray());
        assertNull(ps.get(2).grad());
        assertTrue(ps.get(0).grad() != null);
        opt.zeroGrad();
        for (Tensor p : ps) {
            assertNull(p.grad());
        }
        assertEquals(1, opt.stepCount());
    }

    @Test
    void namedParamsAppearInMessages() {
        Map<String, Tensor> named = new LinkedHashMap<>();
        named.put("fc.weight", Tensor.zeros(2, 2).requiresGrad(true));
        named.put("fc.bias", Tensor.zeros(2).requiresGrad(true).mul(2));
        var e = assertThrows(IllegalArgumentException.class, () -> new Adam(named, 0.1));
        assertTrue(e.getMessage().contains("fc.bias") && e.getMessage().contains("leaf"), e.getMessage());
        named.put("fc.bias", Tensor.zeros(2).requiresGrad(true));
        Adam ok = new Adam(named, 0.1);
        assertEquals(2, ok.params().size());
    }

    @Test
    void rejectsBadParameterLists() {
        Tensor w = Tensor.zeros(2).requiresGrad(true);
        assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(), 0.1));
        var dup = assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(w, w), 0.1));
        assertTrue(dup.getMessage().contains("same tensor"), dup.getMessage());
        var nonLeaf = assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(w.mul(2)), 0.1));
        assertTrue(nonLeaf.getMessage().contains("leaf"), nonLeaf.getMessage());
    }

    @Test
    void rejectsBadHyperParametersNamingThem() {
        List<Tensor> ps = List.of(Tensor.zeros(2).requiresGrad(true));
        assertMessage("lr", () -> new SGD(ps, -0.1));
        assertMessage("momentum", () -> new SGD(ps, 0.1, -0.5));
        assertMessage("nesterov", () -> new SGD(ps, 0.1, 0, 0, 0, true));
        assertMessage("nesterov", () -> new SGD(ps, 0.1, 0.9, 0.1, 0, true));
        assertMessage("beta1", () -> new Adam(ps, 0.1, 1.0, 0.999, 1e-8, 0, false));
        assertMessage("beta2", () -> new AdamW(ps, 0.1, 0.9, -0.1, 1e-8, 0, false));
        assertMessage("eps", () -> new Adam(ps, 0.1, 0.9, 0.999, -1, 0, false));
        assertMessage("weightDecay", () -> new Adam(ps, 0.1, 0.9, 0.999, 1e-8, -1, false));
        assertMessage("alpha", () -> new RMSprop(ps, 0.1, -0.9, 1e-8, 0, 0, false));
        assertMessage("lrDecay", () -> new Adagrad(ps, 0.1, -1, 0, 0, 1e-10));
        assertMessage("initialAccumulatorValue", () -> new Adagrad(ps, 0.1, 0, 0, -1, 1e-10));
        SGD opt = new SGD(ps, 0.1);
        assertMessage("lr", () -> opt.setLr(Double.NaN));
        assertEquals(0.1, opt.lr());
    }

    private static void assertMessage(String argument, Runnable r) {
        var e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().contains(argument), "message should name " + argument + ": " + e.getMessage());
    }

    @Test
    void float64ParamsKeepFloat64State() {
        Tensor p = Tensor.of(new double[] {1, 2}).requiresGrad(true);
        Adam opt = new Adam(List.of(p), 0.1);
        p.mul(p).sum().backward();
        opt.step();
        assertEquals(DType.FLOAT64, opt.stateDict().get("0.exp_avg").dtype());
        assertNotEquals(1.0, p.get(0));
    }

    @Test
    void frozenParametersAreAcceptedAndLeftAlone() {
        // as PyTorch: a leaf with requiresGrad(false) gets no gradient, so a step skips it
        Tensor frozen = Tensor.of(new float[] {1, 2});
        Tensor live = Tensor.of(new float[] {3, 4}).requiresGrad(true);
        SGD sgd = new SGD(java.util.List.of(frozen, live), 0.5);
        live.mul(live).sum().backward();
        sgd.step();
        assertArrayEquals(new float[] {1, 2}, frozen.toFloatArray());
        assertArrayEquals(new float[] {3 - 0.5f * 6, 4 - 0.5f * 8}, live.toFloatArray());
        var e = assertThrows(IllegalArgumentException.class, () -> new SGD(java.util.List.of(live.mul(2)), 0.1));
        assertTrue(e.getMessage().contains("leaf") && e.getMessage().contains("computed by"), e.getMessage());
    }
}
