package io.jgrad.nn;

import static org.junit.jupiter.api.Assertions.*;

import io.jgrad.optim.SGD;
import io.jgrad.tensor.DType;
import io.jgrad.tensor.Generator;
import io.jgrad.tensor.GradCheck;
import io.jgrad.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModuleTest {
    private static Sequential mlp(int... sizes) {
        Generator g = new Generator(1);
        Sequential s = new Sequential();
        for (int i = 0; i + 1 < sizes.length; i++) {
            s.add(new Linear(sizes[i], sizes[i + 1], true, g));
            if (i + 2 < sizes.length) {
                s.add(new ReLU());
            }
        }
        return s;
    }

    /** A module with a parameter, a buffer and a nested child, as BatchNorm-like layers will have. */
    static final class Block extends Module {
        Block() {
            registerParameter("scale", Tensor.ones(3));
            registerBuffer("count", Tensor.zeros(1));
            registerModule("inner", new Sequential(new Linear(3, 2), new Tanh()));
        }

        @Override
        public Tensor forward(Tensor x) {
            return children().get("inner").forward(x.mul(param("scale")));
        }
    }

    @Test
    void sequentialNamesFollowPyTorch() {
        Sequential s = mlp(784, 256, 128, 10);
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"),
                List.copyOf(s.namedParameters().keySet()));
        assertEquals(List.copyOf(s.namedParameters().keySet()), List.copyOf(s.stateDict().keySet()));
        assertEquals(784 * 256 + 256 + 256 * 128 + 128 + 128 * 10 + 10, 235_146);
        assertEquals(235_146L, s.parameterCount());
        assertEquals(6, s.parameters().size());
        assertSame(((Linear) s.get(2)).weight(), s.namedParameters().get("2.weight"));
        assertEquals("2.weight", s.namedParameters().get("2.weight").label());
        assertTrue(s.parameters().stream().allMatch(Tensor::requiresGrad));
    }

    @Test
    void nestedNamesAndBuffers() {
        Sequential s = new Sequential(new Block(), new Linear(2, 1));
        assertEquals(List.of("0.scale", "0.inner.0.weight", "0.inner.0.bias", "1.weight", "1.bias"),
                List.copyOf(s.namedParameters().keySet()));
        assertEquals(List.of("0.scale", "0.count", "0.inner.0.weight", "0.inner.0.bias", "1.weight", "1.bias"),
                List.copyOf(s.stateDict().keySet()));
        assertFalse(s.stateDict().get("0.count").requiresGrad());
        assertEquals(3 + 6 + 2 + 2 + 1, s.parameterCount());
        assertArrayEquals(new int[] {4, 1}, s.forward(Tensor.ones(4, 3)).shape());
    }

    @Test
    void toStringPrintsArchitectureLikePyTorch() {
        Sequential s = new Sequential(new Linear(784, 256), new ReLU(), new Dropout(0.5), new Linear(256, 10, false),
                new Sequential(new LeakyReLU(), new Softmax(1)));
        String expected = """
                Sequential(
                  (0): Linear(in_features=784, out_features=256, bias=True)
                  (1): ReLU()
                  (2): Dropout(p=0.5, inplace=False)
                  (3): Linear(in_features=256, out_features=10, bias=False)
                  (4): Sequential(
                    (0): LeakyReLU(negative_slope=0.01)
                    (1): Softmax(dim=1)
                  )
                )""";
        assertEquals(expected, s.toString());
    }

    /**
     * Each layer jgrad builds prints as PyTorch 1.13 prints the same module, recorded with
     * {@code python3 -c 'import torch.nn as nn; print(repr(nn.GELU()))'} and so on. GELU printed "GELU()" and
     * Dropout "Dropout(p=0.5)", where PyTorch prints "GELU(approximate='none')" and "Dropout(p=0.5, inplace=False)".
     */
    @Test
    void everyLayerPrintsAsPyTorch113PrintsIt() {
        Map<Module, String> torch = new java.util.LinkedHashMap<>();
        torch.put(new GELU(), "GELU(approximate='none')");
        torch.put(new Dropout(0.5), "Dropout(p=0.5, inplace=False)");
        torch.put(new Dropout2d(0.25), "Dropout2d(p=0.25, inplace=False)");
        torch.put(new ELU(), "ELU(alpha=1.0)");
        torch.put(new LeakyReLU(), "LeakyReLU(negative_slope=0.01)");
        torch.put(new LogSoftmax(1), "LogSoftmax(dim=1)");
        torch.put(new Softmax(1), "Softmax(dim=1)");
        torch.put(new AdaptiveAvgPool2d(1, 1), "AdaptiveAvgPool2d(output_size=(1, 1))");
        torch.put(new Flatten(), "Flatten(start_dim=1, end_dim=-1)");
        torch.put(new AvgPool2d(2), "AvgPool2d(kernel_size=2, stride=2, padding=0)");
        torch.put(new AvgPool2d(2, 1, 1), "AvgPool2d(kernel_size=2, stride=1, padding=1)");
        torch.put(new MaxPool2d(2), "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)");
        torch.put(new BatchNorm1d(4), "BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
        torch.put(new BatchNorm2d(3), "BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
        torch.put(new Linear(3, 4), "Linear(in_features=3, out_features=4, bias=True)");
        torch.put(new Linear(3, 4, false), "Linear(in_features=3, out_features=4, bias=False)");
        torch.put(new Conv2d(1, 2, 3), "Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1))");
        torch.put(new Conv2d(1, 2, 3, 2, 1), "Conv2d(1, 2, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1))");
        torch.put(new ReLU(), "ReLU()");
        torch.put(new Sigmoid(), "Sigmoid()");
        torch.put(new Tanh(), "Tanh()");
        torch.put(new Identity(), "Identity()");
        torch.forEach((module, expected) -> assertEquals(expected, module.toString()));
    }

    /** Python's repr of each value, as printed by python3 -c 'print(repr(v))'. */
    @Test
    void numbersAndBooleansAreSpelledAsPythonPrintsThem() {
        Map<Double, String> python = new java.util.LinkedHashMap<>();
        python.put(1e-5, "1e-05");
        python.put(0.1, "0.1");
        python.put(0.25, "0.25");
        python.put(1.0, "1.0");
        python.put(0.0001, "0.0001");
        python.put(0.00012, "0.00012");
        python.put(2.5e-7, "2.5e-07");
        python.put(123456789.0, "123456789.0");
        python.put(1e15, "1000000000000000.0");
        python.put(1e16, "1e+16");
        python.put(-0.01, "-0.01");
        python.put(0.0, "0.0");
        python.forEach((v, repr) -> assertEquals(repr, Module.pythonRepr(v), "repr(" + v + ")"));
        assertEquals("True", Module.pythonRepr(true));
        assertEquals("ELU(alpha=0.25)", new ELU(0.25).toString());
    }

    @Test
    void loadStateDictRoundTripCopiesInPlace() {
        Sequential a = mlp(4, 5, 3);
        Sequential b = new Sequential(new Linear(4, 5, true, new Generator(99)), new ReLU(),
                new Linear(5, 3, true, new Generator(98)));
        Tensor bWeight = ((Linear) b.get(0)).weight();
        assertNotEquals(a.stateDict().get("0.weight").get(0, 0), bWeight.get(0, 0));
        b.loadStateDict(a.stateDict(), true);
        assertSame(bWeight, ((Linear) b.get(0)).weight(), "values are copied into the existing tensors");
        for (Map.Entry<String, Tensor> e : a.stateDict().entrySet()) {
            assertArrayEquals(e.getValue().toFloatArray(), b.stateDict().get(e.getKey()).toFloatArray(), e.getKey());
        }
        Tensor x = Tensor.randn(new Generator(5), 2, 4);
        assertArrayEquals(a.forward(x).toFloatArray(), b.forward(x).toFloatArray());
        // float64 checkpoint into a float32 model converts
        Sequential c = mlp(4, 5, 3);
        c.to(DType.FLOAT64);
        b.loadStateDict(c.stateDict(), true);
        assertEquals(DType.FLOAT32, ((Linear) b.get(2)).bias().dtype());
        assertEquals((float) c.stateDict().get("2.bias").get(1), (float) ((Linear) b.get(2)).bias().get(1));
    }

    @Test
    void loadStateDictNamesEveryProblem() {
        Sequential model = mlp(784, 256, 10);
        LinkedHashMap<String, Tensor> state = new LinkedHashMap<>(model.stateDict());
        state.remove("2.bias");
        state.put("3.weight", Tensor.zeros(1));
        state.put("0.weight", Tensor.zeros(10, 784));
        var e = assertThrows(IllegalArgumentException.class, () -> model.loadStateDict(state, true));
        assertTrue(e.getMessage().contains("missing keys [2.bias]"), e.getMessage());
        assertTrue(e.getMessage().contains("unexpected keys [3.weight]"), e.getMessage());
        assertTrue(e.getMessage().contains("0.weight: checkpoint has [10, 784], model has [256, 784]"), e.getMessage());
        float before = (float) ((Linear) model.get(0)).bias().get(0);
        state.put("0.bias", Tensor.full(7, 256));
        assertThrows(IllegalArgumentException.class, () -> model.loadStateDict(state, false), "shape mismatch stays an error");
        assertEquals(before, (float) ((Linear) model.get(0)).bias().get(0), "nothing is copied when anything is wrong");
        state.put("0.weight", Tensor.zeros(256, 784));
        model.loadStateDict(state, false); // missing and unexpected keys ignored
        assertEquals(7.0, ((Linear) model.get(0)).bias().get(3));
        assertEquals(0.0, ((Linear) model.get(0)).weight().get(5, 5));
    }

    @Test
    void trainEvalIsRecursive() {
        Sequential inner = new Sequential(new Dropout(0.5));
        Sequential s = new Sequential(new Linear(2, 2), inner);
        assertTrue(s.isTraining() && inner.get(0).isTraining());
        s.eval();
        assertFalse(s.isTraining() || inner.isTraining() || inner.get(0).isTraining());
        s.train();
        assertTrue(inner.get(0).isTraining());
    }

    @Test
    void zeroGradClearsEveryParameter() {
        Sequential s = mlp(3, 4, 2);
        s.forward(Tensor.ones(2, 3)).sum().backward();
        assertTrue(s.parameters().stream().allMatch(p -> p.grad() != null));
        s.zeroGrad();
        assertTrue(s.parameters().stream().allMatch(p -> p.grad() == null));
    }

    @Test
    void toFloat64ConvertsParametersAndBuffers() {
        Sequential s = new Sequential(new Block());
        float w = (float) s.stateDict().get("0.inner.0.weight").get(1, 2);
        assertSame(s, s.to(DType.FLOAT64));
        for (Map.Entry<String, Tensor> e : s.stateDict().entrySet()) {
            assertEquals(DType.FLOAT64, e.getValue().dtype(), e.getKey());
        }
        assertTrue(s.parameters().stream().allMatch(p -> p.requiresGrad() && p.isLeaf()));
        assertEquals("0.inner.0.weight", s.namedParameters().get("0.inner.0.weight").label());
        assertEquals(w, s.stateDict().get("0.inner.0.weight").get(1, 2), 0.0);
        Tensor y = s.forward(Tensor.ones(DType.FLOAT64, 2, 3));
        assertEquals(DType.FLOAT64, y.dtype());
    }

    @Test
    void aModuleUsedTwiceHasItsParametersOnceAsInPyTorch() {
        // PyTorch 1.13, nn.Sequential(l, nn.Tanh(), l): parameters() has 2 tensors, named_parameters() the keys
        // 0.weight and 0.bias, state_dict() all 4 keys
        Linear l = new Linear(3, 3, true, new Generator(4));
        Sequential s = new Sequential(l, new Tanh(), l);
        assertEquals(List.of("0.weight", "0.bias"), List.copyOf(s.namedParameters().keySet()));
        assertEquals(List.of(l.weight(), l.bias()), s.parameters());
        assertEquals(12, s.parameterCount());
        assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias"), List.copyOf(s.stateDict().keySet()));
        // the gradient sums both uses (float64 finite differences), and an optimizer takes the list and steps once
        s.to(DType.FLOAT64);
        Tensor x = Tensor.normal(DType.FLOAT64, new Generator(5), 0, 1, 2, 3).requiresGrad(true);
        List<Tensor> vars = new java.util.ArrayList<>(List.of(x));
        vars.addAll(s.parameters());
        GradCheck.Result r = GradCheck.check(() -> s.forward(x), vars.toArray(Tensor[]::new));
        assertTrue(r.passed(), r.toString());
        assertEquals(x.numel() + 12, r.checked());
        s.zeroGrad();
        Tensor before = l.weight().detach().copy();
        s.forward(x).sum().backward();
        new SGD(s.parameters(), 0.5).step();
        double[] w0 = before.toDoubleArray(), g = l.weight().grad().toDoubleArray(), w1 = l.weight().toDoubleArray();
        for (int i = 0; i < w0.length; i++) {
            assertEquals(w0[i] - 0.5 * g[i], w1[i], 1e-15, "weight element " + i);
        }
    }

    @Test
    void toKeepsTiedWeightsTied() {
        // PyTorch's module.to(dtype) converts a tensor held by two modules once: it stays one tensor
        class Tied extends Module {
            Tied(Linear encoder) {
                registerModule("encoder", encoder);
                registerParameter("decoder_weight", encoder.weight());
            }

            @Override
            public Tensor forward(Tensor x) {
                return Tensor.linear(x, param("decoder_weight"), null);
            }
        }
        Linear encoder = new Linear(3, 3, true, new Generator(7));
        Tied tied = new Tied(encoder);
        assertEquals(List.of("decoder_weight", "encoder.bias"), List.copyOf(tied.namedParameters().keySet()));
        tied.to(DType.FLOAT64);
        assertEquals(DType.FLOAT64, encoder.weight().dtype());
        assertSame(encoder.weight(), tied.stateDict().get("decoder_weight"));
        assertEquals(2, tied.parameters().size());
    }

    @Test
    void registrationRejectsBadNames() {
        class Bad extends Module {
            Bad(String a, String b) {
                registerParameter(a, Tensor.zeros(1));
                registerParameter(b, Tensor.zeros(1));
            }

            @Override
            public Tensor forward(Tensor x) {
                return x;
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new Bad("w", "w"));
        assertThrows(IllegalArgumentException.class, () -> new Bad("w", "a.b"));
        assertThrows(IllegalArgumentException.class, () -> new Bad("w", ""));
    }

    @Test
    void registrationRejectsANullTensorOrModuleNamingIt() {
        // bug: registerParameter(name, null) and registerModule(name, null) failed with a NullPointerException naming
        // neither; registerBuffer(name, null) was accepted, and the null then broke to(dtype) (a NullPointerException),
        // and Safetensors.write of the stateDict() ("tensor \"b\" is null") far from the registration
        class Optional extends Module {
            Optional(String kind) {
                switch (kind) {
                    case "parameter" -> registerParameter("w", null);
                    case "buffer" -> registerBuffer("b", null);
                    default -> registerModule("m", null);
                }
            }

            @Override
            public Tensor forward(Tensor x) {
                return x;
            }
        }
        assertEquals("registerParameter 'w': the tensor is null; leave out an optional parameter (do not register"
                + " it) rather than registering null", assertThrows(IllegalArgumentException.class,
                () -> new Optional("parameter")).getMessage());
        assertEquals("registerBuffer 'b': the tensor is null; leave out an optional buffer (do not register it) rather"
                + " than registering null", assertThrows(IllegalArgumentException.class,
                () -> new Optional("buffer")).getMessage());
        assertEquals("registerModule 'm': the module is null", assertThrows(IllegalArgumentException.class,
                () -> new Optional("module")).getMessage());
    }

    @Test
    void registrationRejectsACycleThroughDescendants() {
        // bug: only a module registering itself was refused; one registering a module that already contains it was
        // accepted, and every later walk of the tree (parameters(), stateDict(), train(), toString()) overflowed the stack
        Sequential inner = new Sequential(new Linear(2, 2));
        Sequential outer = new Sequential(new Sequential(inner), new ReLU());
        var e = assertThrows(IllegalArgumentException.class, () -> inner.add(outer));
        assertEquals("registerModule '1': a module cannot contain itself (Sequential is already inside the Sequential"
                + " being registered)", e.getMessage());
        assertEquals(1, inner.size(), "nothing registered");
        assertEquals(List.of("0.0.0.weight", "0.0.0.bias"), List.copyOf(outer.stateDict().keySet()));
        Linear shared = new Linear(2, 2);
        inner.add(shared);
        outer.add(shared); // a module reachable twice is no cycle, as in PyTorch
        assertEquals(4, outer.parameters().size());
    }

    @Test
    void toKeepsFrozenParametersFrozen() {
        Sequential net = new Sequential(new Linear(2, 3, true, new Generator(1)), new Linear(3, 1, true, new Generator(2)));
        ((Linear) net.get(0)).weight().requiresGrad(false);
        net.to(DType.FLOAT64);
        assertFalse(((Linear) net.get(0)).weight().requiresGrad());
        assertTrue(((Linear) net.get(0)).bias().requiresGrad());
        assertEquals(DType.FLOAT64, ((Linear) net.get(0)).weight().dtype());
    }
}
